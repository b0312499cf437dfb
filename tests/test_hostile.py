"""The hostile-submission corpus: every answer in tests/hostile/ gets a clear, correct outcome in bounded
time, scores exactly what its honest part earns, leaves nothing running or written, shows no hidden test, and
leaves the gradebook consistent.

Each file replaces the answer to Exercise 2 of Chapter 4; Exercise 1 is answered correctly before it,
Exercises 3 and 4 after it. The corpus is graded in five parts (CORPORA), each into a real course folder by the
instructor's parallel grader (``course.grading.parallel_grading``) with the sandbox and the guard on, as a
grading server would: the answers the grading policy lets through or refuses (``checked``, ``escapes``: what
reaches around the in-kernel guard), and, with the policy off to reach the defences behind it, the answers that
would harm the machine or attack the sandbox's isolation, those against the grade's boundary (displayed scores,
suppressed errors, floods, copied hidden tests), and those that spend the notebook's whole time budget. The
tampering and forged-score answers are graded once more with all of it off, to show that each attack would have
earned the points it is refused.
"""
from __future__ import annotations

import json
import math
import sqlite3
import time
from pathlib import Path

import nbformat
import pytest

from course.grading import autograde as ag
from course.grading import parallel_grading as pg
from course.grading.robust_execute import hidden_lines

# nbgrader 0.9.6 adds submissions in a way SQLAlchemy 2.1 warns about; the graders run in forks of this process.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]
# The tests that look for the corpus's marker must not run beside each other (tests/test_hostile_unprivileged.py).
MARKED_GROUP = pytest.mark.xdist_group("hostile-marked")

CHAPTER = "ch04_threads"
HOSTILE = Path(__file__).parent / "hostile"
CELL_TIMEOUT = 8
FORK_STORM_CELL_TIMEOUT = 30
# What the cells after the damage say (None: the kernel survives and they keep full marks), and a piece
# of text that the damaged exercise's cells must show, so the student can see what happened.
EXPECTED: dict[str, tuple[str | None, str]] = {
    "infinite_loop.py": (None, "Where each thread your code started was"),
    "deadlock.py": (None, "is at:"),
    "stuck_threads.py": (None, "thread 'takes second then first' is at:"),
    "fork_storm.py": (None, "run_pipeline' is not defined"),
    "memory_hog.py": (None, "MemoryError"),
    "enormous_output.py": (None, "output cut"),
    "leftovers.py": (None, "run_pipeline' is not defined"),
    "sys_exit.py": (None, "SystemExit"),
    "os_exit.py": ("kernel died", "KernelDied"),
    "ignores_interrupt.py": ("ignored the interrupt", "KernelHung"),
    "gevent_patch_all.py": ("ignored the interrupt", "KernelHung"),
    "tamper_patch_checks.py": (None, "PolicyViolation"),
    "tamper_fake_import.py": (None, "PolicyViolation"),
    "tamper_input_transformer.py": (None, "PolicyViolation"),
    "tamper_run_cell.py": (None, "PolicyViolation"),
    "tamper_forge_guard.py": (None, "PolicyViolation"),
    # what the guard could not see, refused by the policy before it runs (issue 14's list)
    "escape_audit_hook.py": (None, "PolicyViolation"),
    "escape_audit_hook_imported.py": (None, "PolicyViolation"),
    "escape_class_patch_ipython.py": (None, "PolicyViolation"),
    "escape_class_patch_jupyter_client.py": (None, "PolicyViolation"),
    "escape_custom_exception_handler.py": (None, "PolicyViolation"),
    "escape_custom_exception_handler_attribute.py": (None, "PolicyViolation"),
    "escape_forge_guard_gc.py": (None, "PolicyViolation"),
    "escape_forge_guard_gc_referrers.py": (None, "PolicyViolation"),
    "escape_forged_module.py": (None, "PolicyViolation"),
    "escape_forged_module_class.py": (None, "PolicyViolation"),
    "escape_history_ih.py": (None, "PolicyViolation"),
    "escape_history_in.py": (None, "PolicyViolation"),
    "escape_ipython_compiler.py": (None, "PolicyViolation"),
    "escape_ipython_compiler_flags.py": (None, "PolicyViolation"),
    "escape_kernel_send.py": (None, "PolicyViolation"),
    "escape_kernel_send_error.py": (None, "PolicyViolation"),
    "escape_module_class.py": (None, "PolicyViolation"),
    "escape_module_class_notebook_name.py": (None, "PolicyViolation"),
    "escape_own_builtins.py": (None, "PolicyViolation"),
    "escape_own_builtins_dict.py": (None, "PolicyViolation"),
    "escape_patch_during_check.py": (None, "PolicyViolation"),
    "escape_patch_threading_during_check.py": (None, "PolicyViolation"),
    # isolation (course/grading/sandbox.py): a course copy elsewhere, scratch folders, the network
    "steal_course_copy.py": (None, "no copy of the course found"),
    "steal_via_proc.py": (None, "no copy of the course found"),
    "steal_submissions.py": (None, "no other student's notebook found"),
    "drop_answer_in_scratch.py": (None, "left an answer in /tmp"),
    "pick_up_leftovers.py": (None, "no earlier student's answer found"),
    "late_writer.py": (None, "a writer runs on"),
    "network_download_answer.py": (None, "no network:"),
    "network_reach_grader.py": (None, "reached 0 listening ports"),
    # Scores come from the checks' record, not from what a test cell displays or whether its error shows.
    "score_number_session.py": (None, "NotImplementedError: no answer"),
    "score_number_custom_exc.py": (None, "NotImplementedError: no answer"),
    "suppress_error_result.py": (None, "NotImplementedError: no answer"),
    "suppress_error_custom_exc.py": (None, "NotImplementedError: no answer"),
    # What the kernel sends is capped per cell and per notebook, widget and comm state included.
    "flood_widget_state.py": (None, "output cut"),
    "flood_comm_buffers.py": (None, "output cut"),
    "flood_display_data.py": (None, "output cut"),
    "flood_display_metadata.py": (None, "output cut"),
    # No output shows a hidden test.
    "copy_hidden_history.py": (None, "showed the source of a hidden test"),
    "copy_hidden_linecache.py": (None, "showed the source of a hidden test"),
    # Graded with a notebook budget of BUDGET_SECONDS: the rest is not run once it is spent.
    "timeout_every_cell_compiler.py": ("grading time", "CellTimeoutError"),
    "timeout_every_cell_displayhook.py": ("grading time", "CellTimeoutError"),
}
# The policy refuses these too (tests/test_policy.py); they are graded with it off, to reach the defences behind it.
BEHIND_THE_POLICY = ["fork_storm.py", "gevent_patch_all.py", "ignores_interrupt.py", "leftovers.py", "os_exit.py",
                     "steal_course_copy.py", "steal_via_proc.py", "steal_submissions.py", "drop_answer_in_scratch.py",
                     "pick_up_leftovers.py", "late_writer.py", "network_download_answer.py", "network_reach_grader.py"]
TAMPERING = [name for name in EXPECTED if name.startswith("tamper_")]
ESCAPES = [name for name in EXPECTED if name.startswith("escape_")]
# Answers that score through nbgrader's own rules (a displayed number, a missing error), not by tampering.
FORGED_SCORES = [name for name in EXPECTED if name.startswith(("score_", "suppress_"))]
# Answers against the grade's boundary (scores, floods, copied tests) and the notebook's time budget: the policy
# refuses them too, so they are graded with it off, to reach the defences behind it.
BOUNDARY = [name for name in EXPECTED if name.startswith(("score_", "suppress_", "flood_", "copy_hidden_"))]
BUDGETED = [name for name in EXPECTED if name.startswith("timeout_every_cell")]
FLOODS = ["enormous_output.py", *(name for name in EXPECTED if name.startswith("flood_"))]
# The answers whose sleepers and files carry the corpus's marker (86413): only the corpus that holds them, and
# the unprivileged test, look for the marker, and they share one test worker.
MARKED = ["fork_storm.py", "leftovers.py", "late_writer.py", "drop_answer_in_scratch.py"]
# Each corpus is graded into a course of its own (a run within pytest's time limit on a loaded machine):
# name → (answers, grading policy on).
CORPORA = {
    "checked": ([n for n in EXPECTED if n not in BEHIND_THE_POLICY + ESCAPES + BOUNDARY + BUDGETED], True),
    "behind the policy": (BEHIND_THE_POLICY, False),
    "escapes": (ESCAPES, True),
    "boundary": (BOUNDARY, False),
    "budget": (BUDGETED, False),
}
# The budget is spent in Exercise 2 whatever the machine's load: Exercise 1 ends well within BUDGET_SECONDS
# (it needs under a CPU-second), and Exercise 2's four tests, each hanging outside the checks' own bounds, would
# take 4 × BUDGET_CELL_TIMEOUT, more than the budget.
BUDGET_SECONDS, BUDGET_CELL_TIMEOUT = 30, 10
SECONDS_PER_SUBMISSION = 90  # a generous bound on any one submission, hangs included, on a loaded 2-core machine
JOBS = 3  # submissions graded at once: their time bounds are fair (course.fair_clock), so load changes no verdict


def _grade_corpus(root: Path, names: list[str], seconds_each: float = SECONDS_PER_SUBMISSION
                  ) -> dict[str, dict[str, tuple[float, float]]]:
    """Submit each hostile answer as a student named after its file; grade them all, JOBS at a time."""
    submit_corpus(root, names)
    started = time.monotonic()
    results = pg.grade_chapter(root, CHAPTER, jobs=JOBS)
    assert time.monotonic() - started < seconds_each * math.ceil(len(names) / JOBS)
    assert not [r for r in results if r.failure], pg.report(results)
    return pg.gradebook_grades(root, CHAPTER)


def _points(grades: dict[str, tuple[float, float]], grade_ids: list[str]) -> tuple[float, float]:
    return sum(grades[g][0] or 0 for g in grade_ids), sum(grades[g][1] for g in grade_ids)


def _outputs(autograded: Path, grade_ids: list[str]) -> str:
    """All text the cells with these grade_ids showed (streams and errors)."""
    texts = []
    for cell in nbformat.read(autograded, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in grade_ids:
            for output in cell.get("outputs", []):
                texts.append(output.get("text", "") + output.get("ename", "") + ": " + output.get("evalue", ""))
    return "\n".join(texts)


def _kernels_left_behind(marked: bool) -> list[str]:
    """Grading kernels (and their forks) still alive though their sandbox folder is gone, and, if ``marked``,
    the corpus's marked sleepers."""
    left = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        # A kernel's connection file, seen from inside its own filesystem (bubblewrap gives it another root).
        connection = "-f" in argv and Path(f"/proc/{proc.name}/root/{argv[argv.index('-f') + 1]}")
        # bubblewrap's own process shows the kernel's command line too, but lives in the grader's filesystem.
        kernel = "course.grading.kernel" in argv and not argv[0].endswith("bwrap")
        orphan_kernel = kernel and connection and not connection.exists()
        if orphan_kernel or (marked and ("86413" in argv or "86417" in argv)):
            left.append(f"{proc.name}: {' '.join(argv)}")
    return left


def _files_left_behind() -> list[str]:
    """Files the corpus's answers wrote into the machine's scratch folders (their names carry 86413)."""
    return sorted(str(p) for folder in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(folder).glob("*86413*"))


def _hidden_tests_shown(autograded: Path) -> list[str]:
    """Lines of hidden tests that any output of the autograded notebook shows."""
    nb = nbformat.read(autograded, as_version=4)
    shown = json.dumps([cell.get("outputs", []) for cell in nb.cells], ensure_ascii=False)
    return [line for line in hidden_lines(nb) if line in shown]


def _assert_each_costs_only_what_it_broke(graded: dict[str, Path], grades: dict[str, dict[str, tuple[float, float]]]) -> None:
    """Each answer (graded in the course folder ``graded[name]``) scores 0 on Exercise 2 and shows its evidence
    there, keeps Exercise 1, and keeps the later exercises unless its kernel was lost; each gradebook is intact."""
    before, damaged, *after = ag.exercises(CHAPTER)
    for name, root in graded.items():
        reason, evidence = EXPECTED[name]
        student = Path(name).stem
        mine = grades[student]
        autograded = root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"
        messages = ag.failure_messages(autograded)
        assert _hidden_tests_shown(autograded) == [], name
        assert _points(mine, before.grade_ids)[0] == _points(mine, before.grade_ids)[1], f"{name}: lost earlier points"
        assert _points(mine, damaged.grade_ids)[0] == 0, name
        assert evidence in _outputs(autograded, damaged.grade_ids + damaged.solution_ids), name
        for exercise in after:
            got, out_of = _points(mine, exercise.grade_ids)
            if reason is None:
                assert got == out_of, f"{name}: {exercise.title} lost points though the kernel survived: {messages}"
            else:
                assert got == 0, name
                assert all(reason in messages[g] for g in exercise.grade_ids), f"{name}: {messages}"
        if name in FLOODS:
            assert autograded.stat().st_size < 5_000_000, name
    for root in set(graded.values()):
        with sqlite3.connect(root / "gradebook.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert _kernels_left_behind(marked=bool(set(graded) & set(MARKED))) == []
    if set(graded) & set(MARKED):
        assert _files_left_behind() == []


def corpus_settings(corpus: str) -> tuple[dict[str, str], float]:
    """The grader's environment for a corpus, and the bound on each of its submissions."""
    names, policy = CORPORA[corpus]
    env = {"COURSE_CELL_TIMEOUT": str(CELL_TIMEOUT), "COURSE_POLICY": "on" if policy else "off"}
    if "fork_storm.py" in names:
        # The storm must end before its cell times out: interrupted while it forks, a child that has not yet
        # exec'd takes the interrupt (jupyter_client signals the kernel's whole process group) and runs on as a
        # second copy of the kernel, which answers the grader in its place. 200 forks of a kernel take seconds.
        env["COURSE_CELL_TIMEOUT"] = str(FORK_STORM_CELL_TIMEOUT)
    if corpus == "budget":
        env |= {"COURSE_NOTEBOOK_TIMEOUT": str(BUDGET_SECONDS), "COURSE_CELL_TIMEOUT": str(BUDGET_CELL_TIMEOUT)}
        return env, BUDGET_SECONDS + 90  # and nbgrader's own work
    return env, SECONDS_PER_SUBMISSION


def submit_corpus(root: Path, names: list[str]) -> None:
    """A course in ``root`` with each hostile answer submitted by a student named after its file."""
    ag.make_course(CHAPTER, root)
    damaged = ag.exercises(CHAPTER)[1].solution_ids[0]
    for name in names:
        pg.submit(root, CHAPTER, Path(name).stem, ag.solution_sources(CHAPTER) | {damaged: (HOSTILE / name).read_text()})


CORPUS_PARAMS = [pytest.param(c, marks=[MARKED_GROUP] if set(CORPORA[c][0]) & set(MARKED) else []) for c in CORPORA]


@pytest.mark.parametrize("corpus", CORPUS_PARAMS)
def test_hostile_answers_cost_only_what_they_broke(corpus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names, _ = CORPORA[corpus]
    env, seconds_each = corpus_settings(corpus)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    grades = _grade_corpus(tmp_path, names, seconds_each)
    _assert_each_costs_only_what_it_broke(dict.fromkeys(names, tmp_path), grades)


def test_each_tampering_would_have_earned_points_without_the_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control for the test above: with the sandbox, the guard and verdict scoring off, every attack scores
    on checks it never passed (Exercise 2 has no real answer), which is what they take away."""
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", str(CELL_TIMEOUT))
    monkeypatch.setenv("COURSE_ISOLATION", "off")
    damaged = ag.exercises(CHAPTER)[1]
    grades = _grade_corpus(tmp_path, TAMPERING + FORGED_SCORES)
    for name in TAMPERING + FORGED_SCORES:
        got, out_of = _points(grades[Path(name).stem], damaged.grade_ids)
        assert got == out_of, f"{name}: the attack did not work even without the guard ({got}/{out_of})"
