"""``python -m course autograde CHAPTER --jobs N`` grades a real course's submissions into its own gradebook:
every student graded, the same points as one sequential nbgrader run gives, the gradebook intact, graded
submissions left alone without --force and the same scores again with it, and a clear sentence (exit 2)
when there is nothing it can grade.
"""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from course.__main__ import main
from course.grading import autograde as ag
from course.grading.parallel_grading import gradebook_grades, submit

pytestmark = pytest.mark.slow

CHAPTER = "ch04_threads"
VARIANTS = Path(__file__).parent / "submissions" / CHAPTER
# Each student answers every exercise with the reference solution except the variants named here; exercises
# are graded independently, so one notebook can carry two wrong answers (that keeps the test's cost down).
RIGHT = {
    "right_reference": {},
    "right_variants": {"safe_counter_solution": "right/rlock.py", "pipeline_solution": "right/thread_subclass.py",
                       "thread_pool_solution": "right/condition_and_deque.py", "transfer_solution": "right/order_by_id.py"},
}
WRONG = {
    "wrong_counter_pipeline": {"safe_counter_solution": "wrong/no_lock.py", "pipeline_solution": "wrong/one_consumer.py"},
    "wrong_pool_transfer": {"thread_pool_solution": "wrong/delegates_to_executor.py",
                            "transfer_solution": "wrong/naive_order.py"},
}


def _autograde(course: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course", "autograde", CHAPTER, "--jobs", "2", "--root", str(course), *extra],
                          check=False, cwd=ag.REPO, capture_output=True, text=True, timeout=900)


def _graded_by_stock_nbgrader(course: Path, notebooks: dict[str, Path]) -> dict[str, dict[str, tuple[float, float]]]:
    """Grade ``notebooks`` one after another with plain ``nbgrader autograde`` in a course of their own."""
    ag.make_course(CHAPTER, course)
    for student, notebook in notebooks.items():
        (course / "submitted" / student / CHAPTER).mkdir(parents=True)
        shutil.copy(notebook, course / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb")
    done = ag.nbgrader(["autograde", CHAPTER], cwd=course, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return gradebook_grades(course, CHAPTER)


def test_parallel_autograde_matches_sequential_grading_into_an_intact_gradebook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "10")
    course = tmp_path / "course"
    course.mkdir()
    ag.make_course(CHAPTER, course)
    notebooks = {
        student: submit(course, CHAPTER, student, ag.solution_sources(CHAPTER) | {
            sid: (VARIANTS / sid / variant).read_text() for sid, variant in variants.items()
        })
        for student, variants in (RIGHT | WRONG).items()
    }
    broken = course / "submitted" / "broken" / CHAPTER
    broken.mkdir(parents=True)
    (broken / f"{CHAPTER}.ipynb").write_text("{ not a notebook")

    first = _autograde(course)
    log = first.stdout + first.stderr[-3000:]
    assert first.returncode == 1, f"a submission failed to grade, so the exit status must be 1:\n{log}"
    assert re.search(r"^broken +NOT GRADED: nbformat.reader.NotJSONError", first.stdout, re.MULTILINE), log
    total = len(notebooks) + 1  # progress: done/total, time, rate and failures so far, ending with the broken one
    assert re.search(rf"^\[{total}/{total}\] \S+ done in [\d.]+ s · [\d.]+ submissions/min · 1 not graded so far$",
                     first.stdout, re.MULTILINE), log
    scores = gradebook_grades(course, CHAPTER)
    assert set(scores) == set(notebooks) | {"broken"}, log
    for student, cells in scores.items():
        if student != "broken":
            got, out_of = (sum(points) for points in zip(*cells.values(), strict=True))
            assert re.search(rf"^{student} +{got:g}/{out_of:g}$", first.stdout, re.MULTILINE), log
    for student in RIGHT:
        assert all(got == out_of > 0 for got, out_of in scores[student].values()), f"{student}: {scores[student]}\n{log}"
    sequential = _graded_by_stock_nbgrader(tmp_path / "stock", {s: notebooks[s] for s in WRONG})
    exercises = {sid: ex for ex in ag.sections(CHAPTER) for sid in ex.solution_ids}
    for student, variants in WRONG.items():
        expected = sequential[student]
        assert scores[student] == expected, f"{student}: parallel {scores[student]}, sequential {expected}"
        for sid in variants:
            got, out_of = (sum(points) for points in zip(*(expected[g] for g in exercises[sid].grade_ids), strict=True))
            assert got < out_of, f"{student}: the wrong answer to {sid} got full marks"

    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT student_id) FROM submitted_assignment").fetchone()
    assert rows == distinct == len(notebooks) + 1, f"{rows} submissions for {distinct} students"

    unchanged = _autograde(course)  # as nbgrader without --force: graded submissions are left alone
    for student in notebooks:
        assert re.search(rf"^{student} +\S+ +\(already autograded", unchanged.stdout, re.MULTILINE), unchanged.stdout
    again = _autograde(course, "--force")
    assert again.returncode == 1 and gradebook_grades(course, CHAPTER) == scores, again.stdout + again.stderr[-3000:]


def test_says_what_to_do_when_there_is_nothing_to_grade(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Exit 2 with one sentence, before any grading, for a wrong root, an unknown chapter, or no submissions."""
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text((ag.REPO / "nbgrader_config.py").read_text())
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "python-concurrency") as gb:
        gb.add_assignment(CHAPTER)
    cases = {
        (CHAPTER, tmp_path / "nowhere"): "There is no folder",
        (CHAPTER, tmp_path): "There is no gradebook",
        ("ch99_missing", course): "has no assignment 'ch99_missing'",
        (CHAPTER, course): f"Nobody has submitted {CHAPTER}",
    }
    for (chapter, root), sentence in cases.items():
        assert main(["autograde", chapter, "--root", str(root)]) == 2, sentence
        err = capsys.readouterr().err
        assert sentence in err and err.count("\n") == 1, err
