"""Grading leaves out only teaching demos that nothing graded depends on (course.grading.demo_cells).

That leaving them out changes no verdict is proven on every variant answer by tests/test_autograde.py, whose
first run runs every cell and whose later runs must score identically.
"""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.grading import autograde as ag
from course.grading.demo_cells import skippable

ANSWER = {"nbgrader": {"solution": True, "grade": False, "grade_id": "answer", "locked": False}}
CHECK = {"nbgrader": {"solution": False, "grade": True, "grade_id": "check", "locked": True, "points": 1}}


def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells))


def _code(source: str, metadata: dict | None = None) -> nbformat.NotebookNode:
    return new_code_cell(source, metadata=metadata or {})


def test_a_demo_nothing_reads_is_left_out_and_one_an_answer_uses_is_kept() -> None:
    nb = _notebook(
        _code("import threading\nfrom course import timeline"),  # 0: the answer imports for itself
        _code("timeline.run(threading.Thread)"),  # 1: a demo
        _code("def helper(x):\n    return x + offset\n"),  # 2: the answer calls helper, which reads offset
        _code("offset = 1"),  # 3
        _code("offset = offset + 1"),  # 4: reads the offset of cell 3
        _code("unused = 5"),  # 5
        new_markdown_cell("## Exercises"),
        _code("import threading\ndef answer():\n    return helper(2)", ANSWER),  # 7
        _code("assert answer() == 4", CHECK),  # 8
    )
    assert skippable(nb) == {0, 1, 5}


def test_graded_cells_and_everything_after_the_exercises_heading_always_run() -> None:
    nb = _notebook(
        _code("x = 1", CHECK),
        new_markdown_cell("## Exercises"),
        _code("scratch = 1"),  # a cell the student added among the exercises
        _code("y = 2", ANSWER),
    )
    assert skippable(nb) == set()


def test_cells_before_a_magic_always_run() -> None:
    """A magic or shell escape may read any name, so nothing before it can be left out."""
    nb = _notebook(_code("a = 1"), _code("b = 2"), _code("%time print(a)"), _code("c = 3"),
                   new_markdown_cell("## Exercises"), _code("pass", ANSWER))
    assert skippable(nb) == {3}


def test_a_plotting_backend_magic_reads_no_name() -> None:
    """``%matplotlib inline`` only picks the backend: its cell is left out with the demos, and the cells before
    it may be too; any other magic still keeps everything before it."""
    nb = _notebook(_code("a = 1"), _code("%matplotlib inline\nimport math"), _code("math.pi"), _code("b = 2"),
                   _code("%matplotlib inline\n%time print(b)"),
                   new_markdown_cell("## Exercises"), _code("pass", ANSWER))
    assert skippable(nb) == set()
    del nb.cells[4]
    assert skippable(nb) == {0, 1, 2, 3}


def test_a_global_set_inside_a_function_counts_as_bound() -> None:
    nb = _notebook(_code("def reset():\n    global counter\n    counter = 0\nreset()"),
                   new_markdown_cell("## Exercises"), _code("def answer():\n    return counter", ANSWER))
    assert skippable(nb) == set()


def test_a_functions_own_locals_do_not_pull_in_demos() -> None:
    nb = _notebook(_code("i = 99"), new_markdown_cell("## Exercises"),
                   _code("def answer(items):\n    for i in items:\n        pass\n    return [i for i in items]", ANSWER))
    assert skippable(nb) == {0}


def test_every_chapter_leaves_out_only_ungraded_cells_before_its_exercises(chapter: str) -> None:
    nb = nbformat.read(ag.source_notebook(chapter), as_version=4)
    skipped = skippable(nb)
    assert skipped, f"{chapter}: grading re-runs every teaching demo"
    assert not [i for i in skipped if nb.cells[i].metadata.get("nbgrader") or nb.cells[i].cell_type != "code"]
