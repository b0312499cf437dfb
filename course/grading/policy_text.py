"""The grading policy's statement in every chapter, right after its ``## Exercises`` heading.

The policy (``course.grading.policy``) decides what an answer may use, so every chapter tells the student,
where the exercises start, in the policy's own words: the text is generated from the policy, never typed
into a notebook by hand. After changing the policy, ``python -m course.grading.policy_text`` rewrites the
cell in every source notebook (then regenerate release/); tests/test_policy.py fails while they differ.
"""
from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_markdown_cell

from course.grading import autograde as ag
from course.grading.policy import statement

HEADING = "### What your answers may use (the grading policy)"
_EXERCISES = re.compile(r"##\s+Exercises\b")


def cell_source() -> str:
    """The markdown of the policy cell."""
    return f"{HEADING}\n\n{statement()}"


def policy_cell_index(nb: nbformat.NotebookNode) -> int | None:
    """Where the policy cell is in ``nb``, if anywhere."""
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith(HEADING)), None)


def write_into(chapter: str) -> bool:
    """Put the current policy cell after ``chapter``'s Exercises heading; whether the notebook changed."""
    path = ag.source_notebook(chapter)
    nb = nbformat.read(path, as_version=4)
    index = policy_cell_index(nb)
    if index is not None:
        if nb.cells[index].source == cell_source():
            return False
        nb.cells[index].source = cell_source()
    else:
        heading = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and _EXERCISES.match(c.source))
        nb.cells.insert(heading + 1, new_markdown_cell(cell_source(), id="grading-policy"))
    nbformat.write(nb, path)
    return True


if __name__ == "__main__":
    for name in ag.chapters():
        print(f"{name}: {'updated' if write_into(name) else 'already current'}")
