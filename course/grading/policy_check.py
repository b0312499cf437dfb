"""Hold every cell the student wrote or changed against the grading policy (``course.grading.policy``), in the
grader, before the kernel runs anything.

A cell is the student's when it is a solution cell, or a code cell whose source is none of the released
notebook's (a cell they added or edited); check cells were restored by OverwriteCells and the cells they left as
released are the instructor's. A cell that breaks the policy is not run; the check cells of its exercise are not
run either and score 0, each showing what was refused and on which line; the other exercises are graded as usual.
An exercise is found by position, as ``course.grading.autograde.exercises`` does: from one ``## Exercise`` or
``## Checkpoint`` heading to the next, where a heading with no check cell before the next one (e.g. one a student
typed) joins the exercise after it. A refused cell before the first exercise is not run and costs no exercise.

``PolicyCheck`` runs first among ``Autograde.autograde_preprocessors`` (nbgrader_config.py) and leaves its
verdicts in ``resources``; ``RobustExecute`` asks ``refusal()`` for each cell before running it. Off when
``COURSE_ISOLATION=off``, like the sandbox and the guard, or ``COURSE_POLICY=off`` (the hostile corpus's test
uses it to reach the defences behind the policy: dead and hung kernels, leftover processes).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from course.grading import autograde, policy, sandbox

__all__ = ["PolicyCheck", "refusal"]

KEY = "course_policy_refusals"
MAX_SHOWN = 3


def enabled() -> bool:
    """Whether grading checks the policy: with the sandbox, unless ``COURSE_POLICY=off``."""
    return sandbox.enabled() and os.environ.get("COURSE_POLICY", "on").lower() not in {"off", "0", "no", "false"}


def refusal(resources: Any, index: int) -> NotebookNode | None:
    """The error output that replaces cell ``index``'s run, if the policy refused it or its exercise."""
    message = (resources or {}).get(KEY, {}).get(index)
    if message is None:
        return None
    return NotebookNode(output_type="error", ename="PolicyViolation", evalue=message,
                        traceback=[f"PolicyViolation: {message}"])


def _meta(cell: NotebookNode) -> dict[str, Any]:
    return cell.metadata.get("nbgrader", {})


def _listed(found: list[str]) -> str:
    return "; ".join(found[:MAX_SHOWN]) + (f"; and {len(found) - MAX_SHOWN} more" if len(found) > MAX_SHOWN else "")


class PolicyCheck(NbGraderPreprocessor):
    """Refuse the student's cells that break the policy, and score their exercises 0 without running them."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        resources[KEY] = {}
        if not enabled():
            return nb, resources
        released = self._released_sources(resources["nbgrader"]["assignment"], resources["nbgrader"]["notebook"])
        code = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        imported: dict[str, str] = {}
        for _, cell in code:
            if (tree := policy.parse(cell.source)) is not None:
                imported |= policy.imports_of(tree)
        regions = self._exercise_regions(nb)
        broken: dict[int, list[str]] = {}
        for index, cell in code:
            if not self._students(cell, released):
                continue
            if found := [str(v) for v in policy.violations(cell.source, imported)]:
                where = f"cell {_meta(cell).get('grade_id') or index}"
                self.log.warning("%s: %s breaks the grading policy: %s", resources["nbgrader"]["student"], where,
                                 _listed(found))
                resources[KEY][index] = f"not run: this cell breaks the grading policy: {_listed(found)}"
                broken.setdefault(regions[index], []).extend(f"{where}, {v}" for v in found)
        for index, cell in code:
            if _meta(cell).get("grade") and regions[index] is not None and (found := broken.get(regions[index])):
                resources[KEY][index] = ("not run, 0 points: the answer to this exercise breaks the grading policy "
                                         f"(see the exercises' introduction): {_listed(found)}")
        return nb, resources

    def _released_sources(self, assignment: str, notebook: str) -> set[str] | None:
        """The sources of the released notebook's code cells, or None if there is no released notebook."""
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.release_directory, ".", assignment)) / f"{notebook}.ipynb"
        if not path.is_file():
            self.log.warning("no released notebook at %s: the grading policy checks only the solution cells", path)
            return None
        return {cell.source.strip() for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"}

    def _students(self, cell: NotebookNode, released: set[str] | None) -> bool:
        """Whether the student wrote or changed this code cell."""
        meta = _meta(cell)
        if meta.get("solution"):
            return True
        if meta.get("grade_id") or released is None:
            return False  # a check or locked cell, restored by OverwriteCells
        return cell.source.strip() not in released

    def _exercise_regions(self, nb: NotebookNode) -> list[int | None]:
        """For each cell, the index of the heading of the exercise it is in (None before the first)."""
        regions: list[int | None] = []
        current: int | None = None
        graded_since_heading = False
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown" and autograde.SECTION.match(cell.source):
                if graded_since_heading or current is None:
                    current = index
                graded_since_heading = False
            graded_since_heading |= bool(_meta(cell).get("grade"))
            regions.append(current)
        return regions
