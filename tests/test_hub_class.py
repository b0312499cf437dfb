"""A real class on JupyterHub, in Chromium, as separate Linux users, following the README's "Running a class".

The README's commands set up the class (accounts, exchange, course service, a PostgreSQL gradebook started here on
loopback) and start the hub with a real configurable-http-proxy. Then, through the hub's URL: the instructor
generates and releases Chapter 1 in the Formgrader (inside JupyterLab, as under a real hub: the tab must not be
blank, nbgrader #1915); two students fetch it from the Assignment List, one pastes every reference solution and one
only the first, Validate and submit; the instructor collects, autogrades both, writes a comment on one submission,
generates and releases feedback; each student fetches it. The gradebook must hold the full marks and the one
exercise's points, the feedback must show the comment and no hidden test, and after the README's `stop` nothing of
the class may run.
"""
from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from pgserver import running_postgres
from playwright.sync_api import Browser, FrameLocator, Page, expect, sync_playwright

from course.grading import autograde as ag
from course.grading import classroom
from course.grading.robust_execute import SHORTEST_SECRET

pytestmark = pytest.mark.slow

CHAPTER = "ch01_os_history"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
SLOW = 120_000  # ms: a step that runs nbgrader (generate, autograde) on a loaded machine
COMMENT = "Well argued schedules; compare your round robin with the one in section 3."


def readme_commands() -> list[str]:
    """The commands of the README's "Running a class" block, in order (comments left out)."""
    text = (ag.REPO / "README.md").read_text()
    section = text.split("## Running a class", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip().startswith("./dev class")]


def run_readme(command: str, env: dict[str, str]) -> str:
    """One README command: `./dev class …` is `python -m course class …` once ./dev has set up the environment
    (which the suite's own `./dev test` has done)."""
    argv = [sys.executable, "-m", "course", *command.split()[1:]]
    done = subprocess.run(argv, cwd=ag.REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: .ci/run installs it (apt-get install chromium)"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


class Hub:
    """The running class as the browser sees it: log in as any of its users."""

    def __init__(self, browser: Browser, url: str, password: str) -> None:
        self.browser, self.url, self.password = browser, url, password

    def log_in(self, user: str, then: str) -> Page:
        """Log ``user`` in, in a browser session of their own, going on to ``then``; returns at once, while their
        server may still be starting (see ``lab_ready``)."""
        page = self.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{self.url}/hub/login?next={then}")
        page.fill("#username_input", user)
        page.fill("#password_input", self.password)
        page.click("#login_submit")
        return page


def lab_ready(page: Page) -> Page:
    expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_be_visible(timeout=SLOW)
    return page


def _menu(page: Page, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def _click_and_confirm(scope: Page | FrameLocator, row: str, column: str) -> None:
    """Click the Formgrader's button in ``column`` of the table row that names ``row``, and dismiss the "Success"
    dialog it answers with."""
    scope.locator("tr", has_text=row).locator(f"td.{column} a").click()
    dialog = scope.locator(".modal-content")
    expect(dialog.locator(".modal-title")).to_have_text("Success", timeout=SLOW)
    dialog.locator(".modal-footer .close").click()
    expect(dialog).to_have_count(0)


def _formgrader_action(page: Page, column: str) -> None:
    """The chapter's button in ``column`` of the Formgrader that JupyterLab shows."""
    _click_and_confirm(page.frame_locator(".jp-MainAreaWidget iframe").first, CHAPTER, column)


def release(page: Page) -> None:
    """The instructor, in the course service's JupyterLab: Nbgrader → Formgrader, Generate, Release."""
    _menu(page, "Formgrader")
    formgrader = page.frame_locator(".jp-MainAreaWidget iframe").first
    expect(formgrader.locator("tr", has_text=CHAPTER)).to_be_visible(timeout=SLOW)  # not blank under the hub
    _formgrader_action(page, "assign")
    _formgrader_action(page, "release")
    expect(formgrader.locator("tr", has_text=CHAPTER).locator("td.status")).to_have_text("released")


def solve(page: Page, answers: list[str]) -> None:
    """A student: Assignment List → Fetch, open the notebook, paste ``answers`` into the first solution cells,
    and click Validate (which runs while the other student works)."""
    _menu(page, "Assignment List")
    page.locator("#released_assignments_list .list_item", has_text=CHAPTER).get_by_role("button", name="Fetch").click()
    fetched = page.locator("#fetched_assignments_list > .list_item", has_text=CHAPTER)
    fetched.locator("a.assignment-notebooks-link").click()
    fetched.locator(".nested_list_item a", has_text=CHAPTER).click()
    expect(page.locator(".jp-StatusBar-TextItem", has_text="Idle")).to_be_visible(timeout=SLOW)
    for answer in answers:
        page.locator(".jp-CodeCell", has_text="YOUR CODE HERE").first.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(answer)
    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()  # saves, then validates


def submit(page: Page) -> str:
    """A student who clicked Validate: read its verdict, then Submit from the Assignment List."""
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible(timeout=SLOW)
    verdict = dialog.inner_text()
    dialog.get_by_role("button").last.click()
    page.get_by_role("tab", name="Assignments").click()
    page.locator("#fetched_assignments_list > .list_item", has_text=CHAPTER).get_by_role("button", name="Submit").click()
    expect(page.locator("#submitted_assignments_list .list_item", has_text=CHAPTER).first).to_be_visible(timeout=SLOW)
    return verdict


def grade(page: Page, base: str, students: list[str], commented: str) -> None:
    """The instructor: Collect, autograde every submission, comment on one, generate and release feedback."""
    _formgrader_action(page, "collect")
    page.goto(f"{base}/formgrader/manage_submissions/{CHAPTER}")
    for student in students:
        _click_and_confirm(page, student, "autograde")
        expect(page.locator("tr", has_text=student).locator("td.status")).to_have_text("graded")
    page.goto(f"{base}/formgrader/manage_students/{commented}/{CHAPTER}")
    page.locator("td a", has_text=CHAPTER).first.click()
    comment = page.locator("textarea.comment[placeholder]").first  # the placeholder: its editor is set up
    with page.expect_response(lambda r: "/api/comment/" in r.url and r.request.method == "PUT",
                              timeout=SLOW) as saved:
        comment.fill(COMMENT)
        comment.press("Tab")  # the Formgrader saves a comment when it changes
    assert saved.value.ok, saved.value.status
    page.goto(f"{base}/lab")
    _menu(page, "Formgrader")
    _formgrader_action(page, "generate-feedback")
    _formgrader_action(page, "release-feedback")


def fetch_feedback(page: Page, base: str, student: str) -> str:
    """A student: Assignment List → Fetch Feedback, then the feedback page as their browser shows it."""
    page.get_by_role("tab", name="Assignments").click()
    submitted = page.locator("#submitted_assignments_list .list_item", has_text=CHAPTER).first
    submitted.get_by_role("button", name="Fetch Feedback").click()
    expect(submitted).to_contain_text("view feedback", timeout=SLOW)
    folder = f"python-concurrency/{CHAPTER}/feedback"
    listing = page.request.get(f"{base}/api/contents/{folder}").json()["content"]
    assert len(listing) == 1, listing
    page.goto(f"{base}/files/{listing[0]['path']}/{CHAPTER}.html")
    return page.locator("body").inner_text()


def hidden_test_lines() -> list[str]:
    """Every line of the chapter's hidden tests, long enough to tell, that its released notebook does not show anyway."""
    released = nbformat.read(ag.REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    shown = {line.strip() for cell in released.cells for line in cell.source.splitlines()}
    lines = []
    for cell in nbformat.read(ag.source_notebook(CHAPTER), as_version=4).cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
            lines += [line.strip() for line in block.splitlines()
                      if len(line.strip()) >= SHORTEST_SECRET and line.strip() not in shown]  # not a lone ")"
    assert lines, f"{CHAPTER} has no hidden tests to look for"
    return lines


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_a_class_on_jupyterhub_in_chromium(browser: Browser) -> None:
    assert os.geteuid() == 0, "a class needs Linux accounts: run the suite as root (CI does)"
    setup_line, start_line, stop_line = readme_commands()
    instructor = re.search(r"--instructor (\S+)", setup_line).group(1)
    students = re.search(r"--students (\S+)", setup_line).group(1).split(",")
    root = Path(tempfile.mkdtemp(prefix="course-class-"))
    port, password = _free_port(), secrets.token_urlsafe(8)
    try:
        with running_postgres() as db_url:
            env = ag.nbgrader_env() | {"COURSE_CLASS_ROOT": str(root), "COURSE_CLASS_HOMES": str(root / "homes"),
                                       "COURSE_CLASS_PORT": str(port), "COURSE_CLASS_PASSWORD": password,
                                       "COURSE_DB_URL": db_url}
            run_readme(setup_line, env)
            try:
                run_readme(start_line, env)
                run_class(Hub(browser, f"http://127.0.0.1:{port}", password), instructor, students)
            finally:
                run_readme(stop_line, env)
            room = classroom.load(root)
            accounts = {pwd.getpwnam(user).pw_uid for user in (instructor, *students, room.grader)}
            assert not classroom.processes_of(accounts), "the class left processes running"
            assert not _accepts(port), "the proxy still listens after `stop`"
            with Gradebook(db_url) as gradebook:
                scores = {s: gradebook.find_submission(CHAPTER, s) for s in students}
                totals = {s: (sub.score, sub.max_score) for s, sub in scores.items()}
            full, half = students
            first = ag.exercises(CHAPTER)[0]
            first_points = sum(points_of(first.grade_ids))
            every_exercise = sum(points_of([g for exercise in ag.exercises(CHAPTER) for g in exercise.grade_ids]))
            assert totals[full][0] == every_exercise > 0, (totals, every_exercise)  # the checkpoints left open
            assert totals[half][0] == first_points, (totals, first_points)
            assert not (root / "course" / "gradebook.db").exists(), "a SQLite gradebook appeared beside PostgreSQL"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def points_of(grade_ids: list[str]) -> list[float]:
    """The points of the chapter's test cells ``grade_ids``, from its source notebook."""
    return [cell.metadata["nbgrader"]["points"] for cell in nbformat.read(ag.source_notebook(CHAPTER), as_version=4).cells
            if cell.metadata.get("nbgrader", {}).get("grade_id") in grade_ids and cell.metadata["nbgrader"].get("grade")]


def run_class(hub: Hub, instructor: str, students: list[str]) -> None:
    """The whole cycle through the hub, each person in their own browser session. The students log in (and their
    servers start) while the instructor releases, and validate at the same time, as in a real class."""
    service = f"{hub.url}/services/{classroom.COURSE_ID}"
    teacher = hub.log_in(instructor, f"/services/{classroom.COURSE_ID}/lab")
    pages = {student: hub.log_in(student, f"/hub/spawn/{student}") for student in students}
    release(lab_ready(teacher))
    # The exercises' answers, in order (a checkpoint's released answer cell has no "YOUR CODE HERE" to paste into).
    sources = ag.solution_sources(CHAPTER)
    solutions = [sources[sid] for exercise in ag.exercises(CHAPTER) for sid in exercise.solution_ids]
    full, half = students
    for student, answers in ((full, solutions), (half, solutions[:1])):
        solve(lab_ready(pages[student]), answers)
    assert "NotImplementedError" not in submit(pages[full])
    assert "NotImplementedError" in submit(pages[half])
    grade(teacher, service, students, commented=full)
    hidden = hidden_test_lines()
    for student, page in pages.items():
        feedback = fetch_feedback(page, f"{hub.url}/user/{student}", student)
        assert "BEGIN HIDDEN TESTS" not in feedback
        shown = [line for line in hidden if line in feedback]
        assert not shown, f"{student}'s feedback shows hidden tests: {shown[:3]}"
        assert (COMMENT in feedback) == (student == full), f"{student}'s feedback and the instructor's comment"
