"""nbgrader's autograde, made to give a damaged submission a clear outcome instead of a wrong one.

Stock nbgrader 0.9.6, for one student's submission:

- a copy-pasted check cell (the same grade_id twice) makes ``DeduplicateIds`` leave the copy with empty
  nbgrader metadata, which ``CheckCellMetadata`` takes for an outdated schema: nbgrader then stops the
  whole run, and every student after that one in alphabetical order goes ungraded;
- a deleted check cell is never scored: the gradebook keeps ``None`` (0, flagged for manual grading) on a
  first run, but on a re-run it keeps the previous run's score, full marks included;
- another chapter's notebook fails with "the nbgrader metadata may be corrupted", which says neither what
  is wrong nor what to do.

``SubmissionChecks`` runs after ``OverwriteCells`` (which has restored the type and source of every known
cell and dropped the grade_id of unknown ones): a notebook with none of the assignment's cells fails with a
message naming the problem; duplicated and foreign cells become ordinary cells; a deleted check cell is put
back as a cell that fails with the reason, so it scores 0 on every run and the student reads why.
nbgrader_config.py puts it just before ``CheckCellMetadata`` in ``Autograde.sanitize_preprocessors``.
"""
from __future__ import annotations

from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, GradeCell, SourceCell
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells

from course.grading.checkpoint_stubs import is_checkpoint_id

__all__ = ["NotThisNotebook", "RestoreCellRoles", "SubmissionChecks"]

RESUBMIT = "resubmit the released notebook with {whose} answers pasted in"


class NotThisNotebook(Exception):
    """The submitted file is not the assignment's notebook; the message says what to do."""


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class RestoreCellRoles(NbGraderPreprocessor):
    """Give every known cell back the role the instructor gave it: check, answer, locked, points.

    A student can edit a cell's nbgrader metadata, e.g. switch a check cell's ``grade`` off. OverwriteCells
    then restores the locked cell's source but not the flag, finds the checksum inconsistent and fails the
    whole submission, so a regrade silently keeps the previous run's grades. Runs before OverwriteCells.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            sources = {cell.name: cell for cell in notebook.source_cells}
            points = {cell.name: cell.max_score for cell in notebook.grade_cells}
            answers = {cell.name for cell in notebook.solution_cells}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            name = meta.get("grade_id")
            if name not in sources:
                continue
            roles = {"grade": name in points, "solution": name in answers, "locked": sources[name].locked}
            if {k: meta.get(k, False) for k in roles} != roles:
                self.log.warning("%s changed the role of cell %r; restored", info["student"], name)
            meta.update(roles)
            meta.pop("points", None)
            if name in points:
                meta["points"] = points[name]
        return nb, resources


class SubmissionChecks(NbGraderPreprocessor):
    """Refuse a notebook that is not the assignment's; make duplicated and deleted cells harmless."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            if not any((name := _grade_id(cell)) and not is_checkpoint_id(name) for cell in nb.cells):
                message = (f"{info['student']}'s {notebook.name}.ipynb is not the notebook of assignment "
                           f"{info['assignment']}: it has none of its {len(notebook.source_cells)} exercise cells "
                           f"(it is another notebook, or its cell metadata was lost). Ask the student to "
                           f"{RESUBMIT.format(whose='their')}.")
                self.log.error(message)
                raise NotThisNotebook(message)
            self._drop_orphaned_metadata(nb)
            sources = {cell.name: cell for cell in notebook.source_cells}
            self._restore_deleted_checks(nb, info["student"], notebook.grade_cells, sources)
        return nb, resources

    def _drop_orphaned_metadata(self, nb: NotebookNode) -> None:
        """Turn cells whose grade_id nbgrader dropped (a duplicate, or an id unknown to this assignment) into
        ordinary cells: left as they are, they fail metadata validation, which for a duplicate stops the whole
        run and for a foreign cell fails the submission."""
        for cell in nb.cells:
            if "nbgrader" in cell.metadata and not _grade_id(cell):
                del cell.metadata["nbgrader"]

    def _restore_deleted_checks(self, nb: NotebookNode, student: str, grade_cells: list[GradeCell],
                                sources: dict[str, SourceCell]) -> None:
        """Append a failing stand-in for every deleted check cell, so that it scores 0 and says why."""
        present = {_grade_id(cell) for cell in nb.cells}
        for grade_cell in grade_cells:
            if grade_cell.name in present:
                continue
            self.log.warning("%s deleted the check cell %r; it scores 0", student, grade_cell.name)
            stand_in = OverwriteCells().missing_cell_transform(sources[grade_cell.name], grade_cell.max_score)
            reason = (f"the check cell {grade_cell.name!r} was deleted from this notebook, so it scores 0: "
                      f"{RESUBMIT.format(whose='your')}, keeping every check cell")
            stand_in.source = f"raise AssertionError({reason!r})"
            nb.cells.append(stand_in)
