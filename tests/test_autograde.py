"""The real nbgrader autograde gives the right verdicts: 0 for the blank release, full marks for the
solutions, and for every exercise its wrong solutions rejected and its other right solutions accepted
on each of several runs, with identical scores every run.

The variant solutions live in ``tests/submissions/<chapter>/<solution grade_id>/{wrong,right}/*.py``;
each file is the whole source of that solution cell. To keep the suite fast, one submitted notebook
carries one variant of *every* exercise at once (exercises are graded independently), so a run grades
as many notebooks as the largest set has variants; an exercise with fewer variants keeps its released (blank)
cell in the notebooks beyond them, so that no run grades a variant twice.

The first run runs every cell, as a learner's Run All does; the later runs leave out the teaching demos no
exercise depends on, as grading does (``course.grading.demo_cells``). Identical scores per cell on every run
therefore also prove that leaving the demos out changes no verdict. The later runs are one autograde call, each
notebook submitted once per run under a student name of its own, so that the grading workers start once for them.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from course.fair_clock import FairClock
from course.grading import autograde as ag

SUBMISSIONS = Path(__file__).parent / "submissions"
RUNS = 3
JOBS = 4  # notebooks graded at once, on 2 cores beside other tests: the verdicts must not depend on a quiet machine


def _variants(chapter: str) -> dict[str, list[tuple[str, Path]]]:
    """For each solution cell id: its (verdict, file) pairs, wrong ones first."""
    found: dict[str, list[tuple[str, Path]]] = {}
    for folder in sorted((SUBMISSIONS / chapter).glob("*")):
        found[folder.name] = [(v, p) for v in ("wrong", "right") for p in sorted((folder / v).glob("*.py"))]
    return found


def _exercise_of(chapter: str) -> dict[str, ag.Exercise]:
    return {sid: ex for ex in ag.sections(chapter) for sid in ex.solution_ids}


def test_every_exercise_has_wrong_and_right_variants(chapter: str) -> None:
    variants = _variants(chapter)
    for exercise in ag.sections(chapter):
        for sid in exercise.solution_ids:
            verdicts = [v for v, _ in variants.get(sid, [])]
            assert verdicts.count("wrong") >= 3 and verdicts.count("right") >= 2, (
                f"{chapter}/{sid}: keep at least 3 wrong and 2 right solutions in tests/submissions"
            )


def test_blank_release_scores_zero_promptly(chapter: str) -> None:
    """Through the self-study command: every exercise 0, and no cell ran into the timeout."""
    released = ag.REPO / "release" / chapter / f"{chapter}.ipynb"
    clock = FairClock()  # the grader and its kernel are this process's descendants: a loaded machine's waits do not count
    done = subprocess.run([sys.executable, "-m", "course", "grade", str(released)],
                          capture_output=True, text=True, timeout=600)
    elapsed = clock.elapsed()
    assert done.returncode == 0, done.stderr + done.stdout
    for exercise in ag.sections(chapter):
        assert re.search(rf"{re.escape(exercise.title)}: 0 / \d", done.stdout), done.stdout
    assert re.search(r"Total: 0 / [1-9]", done.stdout), done.stdout
    assert "Timeout" not in done.stdout, done.stdout
    # Each blank answer fails at once with NotImplementedError; nothing waits for a time bound.
    assert elapsed < 120, f"grading the blank notebook took {elapsed:.0f} s"


def test_solutions_get_full_marks(chapter: str) -> None:
    result = ag.autograde(chapter, {"solutions": ag.source_notebook(chapter)})["solutions"]
    got, out_of = result.score()
    lost = {g: c.message for g, c in result.cells.items() if c.score < c.max_score}
    assert result.graded and got == out_of > 0, f"{chapter}: solutions lost points: {lost}\n{result.log[-2000:]}"


@pytest.mark.slow
def test_wrong_rejected_and_right_accepted_every_run(chapter: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    variants = _variants(chapter)
    if not variants:
        pytest.fail(f"{chapter} has no tests/submissions/{chapter}/ folder of wrong and right solutions")
    exercise_of = _exercise_of(chapter)
    released = ag.REPO / "release" / chapter / f"{chapter}.ipynb"
    students = {
        f"mix{k:02d}": {sid: options[k] for sid, options in variants.items() if k < len(options)}
        for k in range(max(len(v) for v in variants.values()))
    }
    notebooks = {
        s: ag.with_cells_replaced(released, {sid: p.read_text() for sid, (_, p) in picks.items()}, tmp_path / f"{s}.ipynb")
        for s, picks in students.items()
    }
    monkeypatch.setenv("COURSE_RUN_DEMOS", "1")
    runs = {1: ag.autograde(chapter, notebooks, jobs=JOBS)}
    monkeypatch.setenv("COURSE_RUN_DEMOS", "0")
    later = range(2, RUNS + 1)
    again = ag.autograde(chapter, {f"{s}-run{run}": path for run in later for s, path in notebooks.items()}, jobs=JOBS)
    runs |= {run: {s: again[f"{s}-run{run}"] for s in notebooks} for run in later}
    problems: list[str] = []
    first_run: dict[str, dict[str, float]] = {}
    for run, results in runs.items():
        for student, picks in students.items():
            result = results[student]
            if not result.graded:
                problems.append(f"run {run}: {student} was not graded:\n{result.log[-1500:]}")
                continue
            scores = {g: c.score for g, c in result.cells.items()}
            if first_run.setdefault(student, scores) != scores:
                why = {g: {f"run {r}": getattr(runs[r][student].cells.get(g), "message", "(no grade)")[:400] for r in (1, run)}
                       for g in scores if scores[g] != first_run[student].get(g)}
                problems.append(f"run {run} (demos left out): {student} scored {scores}, "
                                f"run 1 (every cell run) gave {first_run[student]}; the cells that differ say {why}")
            for sid, (verdict, path) in picks.items():
                exercise = exercise_of[sid]
                got, out_of = result.score(exercise.grade_ids)
                name = f"{sid}/{verdict}/{path.name}"
                if verdict == "wrong" and got >= out_of:
                    problems.append(f"run {run}: {name} got full marks ({got:g}/{out_of:g})")
                if verdict == "right" and got < out_of:
                    lost = {g: result.cells[g].message[:300] for g in exercise.grade_ids
                            if result.cells[g].score < result.cells[g].max_score}
                    problems.append(f"run {run}: {name} got {got:g}/{out_of:g}: {lost}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_a_deadlocked_cell_costs_only_its_exercise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A solution cell that deadlocks the kernel's main thread is interrupted at the cell timeout;
    nbgrader still grades the notebook, and only that exercise loses its points."""
    chapter = "ch04_threads"
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "10")
    exercises = ag.exercises(chapter)
    first, rest = exercises[0], exercises[1:]
    source = ag.solution_sources(chapter)
    answers = {sid: source[sid] for ex in rest for sid in ex.solution_ids}
    answers[first.solution_ids[0]] = "import threading\nlock = threading.Lock()\nlock.acquire()\nlock.acquire()  # deadlock\n"
    released = ag.REPO / "release" / chapter / f"{chapter}.ipynb"
    notebook = ag.with_cells_replaced(released, answers, tmp_path / "deadlocked.ipynb")
    result = ag.autograde(chapter, {"deadlocked": notebook})["deadlocked"]
    assert result.graded, f"nbgrader discarded the submission:\n{result.log[-2000:]}"
    assert result.score(first.grade_ids)[0] == 0
    for exercise in rest:
        got, out_of = result.score(exercise.grade_ids)
        assert got == out_of, f"{exercise.title}: {got}/{out_of}"
