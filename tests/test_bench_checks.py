"""`python -m course bench checks` compares Chapter 4's checks with the previous method's: the parts it builds the
comparison from (the old checks, importable beside today's; the exercise cells pointed at them) are right.
Executing the notebooks is the benchmark itself and is left to it (two kernels per submission)."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import nbformat

from course import benchmark
from course.grading import autograde as ag


def test_the_previous_checks_import_beside_todays_and_use_the_rendezvous(tmp_path: Path, monkeypatch) -> None:
    name = benchmark._previous_checks(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        old = importlib.import_module(name)
        assert old.__file__.startswith(str(tmp_path))
        assert old.Rendezvous.__module__ == "course_before.amplify"  # real-time rendezvous, not the scheduler
        assert "from course import interleave" not in Path(old.__file__).read_text()
        assert callable(old.counter_survives_forced_race) and callable(old.transfer_never_deadlocks)
    finally:
        for module in [m for m in sys.modules if m.split(".")[0] == "course_before"]:
            del sys.modules[module]


def test_the_exercise_cells_hold_the_answers_and_call_the_chosen_checks() -> None:
    source = nbformat.read(ag.source_notebook("ch04_threads"), as_version=4)
    answers = {grade_id: f"# answer {grade_id}" for grade_id in ag.solution_sources("ch04_threads")}
    cells = benchmark._exercise_cells(source, answers, "course_before.ch04_threads").cells
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
    assert [c.source for c in cells if c.metadata.get("nbgrader", {}).get("solution")] == [
        f"# answer {i}" for i in ids if i in answers]
    tests = [c.source for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    pointed = [t for t in tests if "import course_before.ch04_threads as checks" in t]
    assert len(pointed) >= 8 and not any("from course.checks import ch04_threads" in t for t in tests)
