"""Submissions that kill or hang their kernel are still graded: the checks before the damage keep their
points, the rest get 0 with a reason the student can read, and nothing is discarded.

Each file in tests/hostile/ replaces the answer to Exercise 2 of Chapter 4; Exercise 1 is answered
correctly before it, Exercises 3 and 4 after it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from course import autograde as ag

CHAPTER = "ch04_threads"
HOSTILE = Path(__file__).parent / "hostile"
# What the cells after the damage say, per hostile answer (None: the kernel survives and later cells run).
EXPECTED = {"os_exit.py": "kernel died", "ignores_interrupt.py": "ignored the interrupt", "sys_exit.py": None}


def test_hostile_answers_cost_only_what_they_broke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "8")
    before, damaged, *after = ag.exercises(CHAPTER)
    released = ag.REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb"
    notebooks = {}
    for name in EXPECTED:
        answers = ag.solution_sources(CHAPTER) | {damaged.solution_ids[0]: (HOSTILE / name).read_text()}
        notebooks[name] = ag.with_cells_replaced(released, answers, tmp_path / f"{Path(name).stem}.ipynb")
    results = ag.autograde(CHAPTER, notebooks, jobs=2)
    for name, reason in EXPECTED.items():
        result = results[name]
        assert result.graded, f"{name}: nbgrader discarded the submission\n{result.log[-2000:]}"
        assert result.score(before.grade_ids)[0] == result.score(before.grade_ids)[1], f"{name}: lost earlier points"
        assert result.score(damaged.grade_ids)[0] == 0, name
        for exercise in after:
            got, out_of = result.score(exercise.grade_ids)
            if reason is None:
                assert got == out_of, f"{name}: {exercise.title} lost points though the kernel survived"
            else:
                assert got == 0, name
                assert all(reason in result.cells[g].message for g in exercise.grade_ids), (
                    f"{name}: {[result.cells[g].message for g in exercise.grade_ids]}"
                )
