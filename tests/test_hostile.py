"""The hostile-submission corpus: every answer in tests/hostile/ gets a clear, correct outcome in bounded
time, leaves nothing running, and leaves the gradebook consistent.

Each file replaces the answer to Exercise 2 of Chapter 4; Exercise 1 is answered correctly before it,
Exercises 3 and 4 after it. The corpus is graded, in three parts, into real course folders by the instructor's
parallel grader (``course.grading.parallel_grading``), with the sandbox and the guard on, as a grading server
would; the tampering answers are graded once more with both off, to show that each attack would have
earned the points the guard takes away.
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
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

CHAPTER = "ch04_threads"
HOSTILE = Path(__file__).parent / "hostile"
CELL_TIMEOUT = 8
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
    "tamper_patch_checks.py": ("not trusted", "course.checks.ch04_threads"),
    "tamper_fake_import.py": ("not trusted", "builtins.__import__ was replaced"),
    "tamper_input_transformer.py": ("not trusted", "input_transformers_cleanup"),
    "tamper_run_cell.py": ("not trusted", "run_cell"),
    "tamper_forge_guard.py": ("not trusted", "no valid answer"),
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
TAMPERING = [name for name in EXPECTED if name.startswith("tamper_")]
# Answers that score through nbgrader's own rules (a displayed number, a missing error), not by tampering.
FORGED_SCORES = [name for name in EXPECTED if name.startswith(("score_", "suppress_"))]
BUDGETED = [name for name in EXPECTED if name.startswith("timeout_every_cell")]
BOUNDARY = [name for name in EXPECTED if name.startswith(("score_", "suppress_", "flood_", "copy_hidden_"))]
# Graded in three runs (each within pytest's time limit on a loaded machine): the first corpus, the answers that
# attack the grade's boundary (scores, floods, copied tests), and those that spend the notebook's whole budget.
CORPORA = {"first": [name for name in EXPECTED if name not in BUDGETED + BOUNDARY], "boundary": BOUNDARY,
           "budget": BUDGETED}
FLOODS = ["enormous_output.py", *(name for name in EXPECTED if name.startswith("flood_"))]
# The budget is spent in Exercise 2 whatever the machine's load: Exercise 1 ends well within BUDGET_SECONDS,
# and Exercise 2's four tests, each hanging outside the checks' own bounds, would take 4 × BUDGET_CELL_TIMEOUT.
BUDGET_SECONDS, BUDGET_CELL_TIMEOUT = 90, 30
SECONDS_PER_SUBMISSION = 90  # a generous bound on any one submission, hangs included, on a loaded 2-core machine


def _grade_corpus(root: Path, names: list[str], seconds_each: float = SECONDS_PER_SUBMISSION
                  ) -> dict[str, dict[str, tuple[float, float]]]:
    """Submit each hostile answer as a student named after its file; grade them all, two at a time."""
    ag.make_course(CHAPTER, root)
    damaged = ag.exercises(CHAPTER)[1].solution_ids[0]
    for name in names:
        answers = ag.solution_sources(CHAPTER) | {damaged: (HOSTILE / name).read_text()}
        pg.submit(root, CHAPTER, Path(name).stem, answers)
    started = time.monotonic()
    results = pg.grade_chapter(root, CHAPTER, jobs=2)
    assert time.monotonic() - started < seconds_each * math.ceil(len(names) / 2)
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


def _kernels_left_behind() -> list[str]:
    """Grading kernels (and their forks) still alive though their sandbox folder is gone, and the corpus's
    marked sleepers."""
    left = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        orphan_kernel = "course.grading.kernel" in argv and "-f" in argv and not Path(argv[argv.index("-f") + 1]).exists()
        if orphan_kernel or "86413" in argv or "86417" in argv:
            left.append(f"{proc.name}: {' '.join(argv)}")
    return left


def _hidden_tests_shown(autograded: Path) -> list[str]:
    """Lines of hidden tests that any output of the autograded notebook shows."""
    nb = nbformat.read(autograded, as_version=4)
    shown = json.dumps([cell.get("outputs", []) for cell in nb.cells], ensure_ascii=False)
    return [line for line in hidden_lines(nb) if line in shown]


@pytest.mark.parametrize("corpus", list(CORPORA))
def test_hostile_answers_cost_only_what_they_broke(corpus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", str(CELL_TIMEOUT))
    seconds_each = SECONDS_PER_SUBMISSION
    if corpus == "budget":
        monkeypatch.setenv("COURSE_NOTEBOOK_TIMEOUT", str(BUDGET_SECONDS))
        monkeypatch.setenv("COURSE_CELL_TIMEOUT", str(BUDGET_CELL_TIMEOUT))
        seconds_each = BUDGET_SECONDS + 90  # and nbgrader's own work
    before, damaged, *after = ag.exercises(CHAPTER)
    started = time.monotonic()
    grades = _grade_corpus(tmp_path, CORPORA[corpus], seconds_each)
    print(f"{corpus}: {len(CORPORA[corpus])} notebooks graded two at a time in {time.monotonic() - started:.0f} s")

    for name in CORPORA[corpus]:
        reason, evidence = EXPECTED[name]
        student = Path(name).stem
        mine = grades[student]
        autograded = tmp_path / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"
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

    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert _kernels_left_behind() == []


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
