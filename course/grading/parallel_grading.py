"""Autograde a chapter's submissions into an instructor's real gradebook, several at a time.

``python -m course autograde CHAPTER --jobs N [--root COURSE_DIR] [--force]`` (``./dev autograde``) does what
``nbgrader autograde CHAPTER`` run in COURSE_DIR does, with N submissions in progress at once.

Design. N worker processes each load nbgrader's own ``AutogradeApp`` once, from COURSE_DIR, exactly as the
command line would (its config files, ``--force``), and then take students one at a time from a shared
queue; for each they run nbgrader's ``Autograde`` converter restricted to that one student, as
``AutogradeApp.start`` and the formgrader (``NbGraderAPI.autograde``) do. Compared with N ``nbgrader
autograde`` processes each given a fixed share through ``student_id_exclude``:

- a slow submission (a deadlock waits out its time bounds) holds up one worker, not a whole share;
- nbgrader starts up (about 4 s) once per worker, as in that design, not once per student;
- each student is selected by name (``glob.escape``d), so a folder that appears meanwhile is never graded
  twice at once, and numeric student ids need no command-line quoting (nbgrader issue #743);
- nbgrader's log and success come back per student, so the report can say why each failure happened.

The gradebook stays intact because every write is nbgrader's own and at most one process handles a given
student: before the workers start, this process opens the gradebook once (``Gradebook()`` creates missing
tables and the course row, which N processes opening a fresh gradebook together would race on) and checks
that the assignment exists; SQLite connections wait up to ``LOCK_WAIT_SECONDS`` for another worker's write
lock (pysqlite gives up after 5 s, and nbgrader then fails the submission with "database is locked").
"""
from __future__ import annotations

import contextlib
import glob
import logging
import multiprocessing
import os
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from course.grading import autograde as ag

__all__ = ["Result", "failure_reason", "grade_chapter", "gradebook_grades", "report", "submit"]

LOCK_WAIT_SECONDS = 120

_app = None  # each worker process's AutogradeApp, loaded once by _start_worker (a Pool initializer)


@dataclass
class Result:
    """One student's outcome: points from the gradebook, or why nbgrader did not grade the submission."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    failure: str = ""  # empty when graded
    skipped: bool = False  # already autograded and not regraded (no --force)
    log: str = ""  # what nbgrader logged while grading this submission


def load_app(root: Path, chapter: str, force: bool):
    """nbgrader's autograde app configured as ``nbgrader autograde CHAPTER [--force]`` run in ``root`` is,
    its console log silenced (the caller reports per student)."""
    from nbgrader.apps import AutogradeApp

    app = AutogradeApp()
    app.log.handlers = [logging.NullHandler()]
    with contextlib.chdir(root):
        app.initialize([chapter, *(["--force"] if force else [])])
        app.coursedir.root  # noqa: B018  (its default is the working directory: resolve it here)
    app.coursedir.assignment_id = chapter
    return app


def gradebook_url(coursedir) -> str:
    """The configured gradebook URL; for SQLite an absolute path (nbgrader resolves a relative one against
    the course root) and a lock wait long enough for N graders writing in turn."""
    from sqlalchemy.engine import make_url

    url = make_url(coursedir.db_url)
    if url.get_backend_name() != "sqlite":
        return coursedir.db_url
    url = url.set(database=str(Path(coursedir.root, url.database or "")))
    if "timeout" not in url.query:
        url = url.update_query_dict({"timeout": str(LOCK_WAIT_SECONDS)})
    return url.render_as_string(hide_password=False)


def check_gradebook(url: str, coursedir, chapter: str) -> None:
    """Open the gradebook once before any worker does, and fail with advice when it lacks the assignment."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if make_url(url).get_backend_name() == "sqlite" and not Path(database).is_file():
        raise ag.GradingError(
            f"There is no gradebook at {database}, so {coursedir.root} is not a course folder where "
            f"`nbgrader generate_assignment {chapter}` has run: pass --root the course folder."
        )
    with Gradebook(url, coursedir.course_id) as gb:
        try:
            gb.find_assignment(chapter)
        except MissingEntry:
            known = ", ".join(a.name for a in gb.assignments) or "none"
            raise ag.GradingError(
                f"The gradebook of {coursedir.root} has no assignment {chapter!r} (it has: {known}); "
                f"run `nbgrader generate_assignment {chapter}` there first, or check the chapter's name."
            ) from None


def submitted_students(coursedir, chapter: str) -> list[str]:
    """The students with a submission folder for ``chapter``, found the way nbgrader finds them."""
    pattern = coursedir.format_path(coursedir.submitted_directory, "(?P<student_id>[^/]+)", re.escape(chapter), escape=True)
    folders = glob.glob(coursedir.format_path(coursedir.submitted_directory, "*", glob.escape(chapter)))
    return sorted(m["student_id"] for f in folders if (m := re.fullmatch(pattern, f)) and os.path.isdir(f))


def _start_worker(root: Path, chapter: str, force: bool, url: str) -> None:
    """Load nbgrader once per worker process; every student this worker grades reuses it.

    A worker forked from a test run must not inherit its warnings-as-errors: nbgrader 0.9.6 triggers
    SQLAlchemy warnings on every submission, which would then fail it (and otherwise only clutter the log).
    """
    global _app
    warnings.resetwarnings()
    warnings.filterwarnings("ignore", module="nbgrader")
    _app = load_app(root, chapter, force)
    _app.coursedir.db_url = url


def _grade(student: str) -> tuple[str, float, dict]:
    """Autograde one student's submission as ``nbgrader autograde`` would; return nbgrader's success and log."""
    from nbgrader.converters import Autograde
    from nbgrader.utils import capture_log, temp_attrs

    started = time.monotonic()
    with temp_attrs(_app.coursedir, student_id=glob.escape(student)):
        outcome = capture_log(Autograde(coursedir=_app.coursedir, parent=_app))
    if "KeyboardInterrupt" in outcome.get("error", ""):
        raise KeyboardInterrupt  # nbgrader cleaned up this student; take no further one
    return student, time.monotonic() - started, outcome


def _progress(outcomes: dict[str, dict], total: int, elapsed: float, student: str, seconds: float) -> str:
    """One line per graded submission: done/total, this one's time, the rate so far, and failures so far."""
    failed = sum(not o.get("success") for o in outcomes.values())
    return (f"[{len(outcomes)}/{total}] {student} done in {seconds:.1f} s · {len(outcomes) / elapsed * 60:.1f} "
            f"submissions/min · {failed} not graded so far")


def failure_reason(log: str) -> str:
    """Why nbgrader did not grade a submission, from its log: the exception that ended its traceback,
    else its first error (or warning) message."""
    records = re.split(r"^(?=\[[A-Z]+\] )", log, flags=re.MULTILINE)
    for level in ("[ERROR] ", "[WARNING] "):
        found = [r.removeprefix(level).strip() for r in records if r.startswith(level)]
        for record in found:
            if record.startswith("Traceback"):
                return record.splitlines()[-1].strip()
        if found:
            return found[0].splitlines()[0]
    return "nbgrader wrote no autograded notebook and logged no reason"


def _result(coursedir, gb, chapter: str, student: str, outcome: dict) -> Result:
    """What became of ``student``'s submission: nbgrader's success, the autograded folder, the gradebook."""
    from nbgrader.api import MissingEntry

    log = outcome.get("log", "")
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, chapter))
    if not (outcome["success"] and autograded.is_dir()):
        return Result(student, failure=failure_reason(log), log=log)
    try:
        submission = gb.find_submission(chapter, student)
    except MissingEntry:
        return Result(student, failure="nbgrader wrote an autograded notebook but no gradebook entry", log=log)
    return Result(student, submission.score, submission.max_score,
                  skipped="Skipping existing assignment" in log, log=log)


def grade_chapter(root: Path, chapter: str, jobs: int, force: bool = False, quiet: bool = False) -> list[Result]:
    """Autograde every submission of ``chapter`` in the course at ``root`` with ``jobs`` workers.

    Raises GradingError, before grading anything, when ``root`` is no course, the gradebook lacks the
    chapter, or nobody submitted it. Prints a line as each submission is done, unless ``quiet``.
    """
    from nbgrader.api import Gradebook

    if not root.is_dir():
        raise ag.GradingError(f"There is no folder {root}: pass --root the course folder (the one with nbgrader_config.py).")
    coursedir = load_app(root, chapter, force).coursedir
    url = gradebook_url(coursedir)
    check_gradebook(url, coursedir, chapter)
    students = submitted_students(coursedir, chapter)
    if not students:
        where = coursedir.format_path(coursedir.submitted_directory, "*", chapter)
        raise ag.GradingError(f"Nobody has submitted {chapter}: {where} matches no folder; "
                              f"run `nbgrader collect {chapter}` first.")
    os.environ.update(ag.nbgrader_env())  # the workers, forked below, run nbgrader and its kernels
    outcomes = {}
    started = time.monotonic()
    with multiprocessing.Pool(min(jobs, len(students)), _start_worker, (root, chapter, force, url)) as pool:
        for student, seconds, outcome in pool.imap_unordered(_grade, students):
            outcomes[student] = outcome
            if not quiet:
                print(_progress(outcomes, len(students), time.monotonic() - started, student, seconds), flush=True)
    with Gradebook(url, coursedir.course_id) as gb:
        return [_result(coursedir, gb, chapter, student, outcomes[student]) for student in students]


def report(results: list[Result]) -> str:
    """One line per student: points, or why the submission was not graded."""
    width = max(len(r.student) for r in results)
    lines = []
    for r in results:
        if r.failure:
            lines.append(f"{r.student:{width}}  NOT GRADED: {r.failure}")
        else:
            note = "  (already autograded; --force regrades it)" if r.skipped else ""
            lines.append(f"{r.student:{width}}  {r.score:g}/{r.max_score:g}{note}")
    return "\n".join(lines)


def submit(course: Path, chapter: str, student: str, answers: dict[str, str]) -> Path:
    """Put a student's submission where ``nbgrader collect`` would: the released notebook with ``answers``
    (solution cell id → source) in place, under submitted/<student>/<chapter>/. Tests and benchmarks use it."""
    folder = course / "submitted" / student / chapter
    folder.mkdir(parents=True)
    released = ag.REPO / "release" / chapter / f"{chapter}.ipynb"
    return ag.with_cells_replaced(released, answers, folder / f"{chapter}.ipynb")


def gradebook_grades(course: Path, chapter: str) -> dict[str, dict[str, tuple[float, float]]]:
    """Every student's (points, maximum) per grade cell of ``chapter``, as the course's gradebook holds them:
    what tests and benchmarks compare between gradings."""
    from nbgrader.api import Gradebook

    with Gradebook(ag.db_url(course)) as gb:
        return {
            s.student_id: {g.name: (g.score, g.max_score) for nb in s.notebooks for g in nb.grades}
            for s in gb.find_assignment(chapter).submissions
        }
