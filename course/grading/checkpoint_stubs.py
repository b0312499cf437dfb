"""The released answer cell of a checkpoint holds ``answer = None``, not the ``raise NotImplementedError()`` that
nbgrader puts in every answer cell.

An exercise's answer cell must stop a learner's Run All until it is written: what follows it checks it. A
checkpoint (``course.checks.checkpoints``) is a question in the middle of a chapter; a stub that raised there
would stop Run All at the first question and leave the rest of the chapter unrun. So ``CheckpointStubs``, run by
``nbgrader generate_assignment`` right after ClearSolutions (nbgrader_config.py), turns a checkpoint's stub
into ``answer = None`` with a hint. Unanswered, it still scores 0 (None is never an answer), and each checkpoint
sets ``answer`` anew, so a question left open cannot reuse the answer to the one before.
"""
from __future__ import annotations

import re
from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["CheckpointStubs", "is_checkpoint_answer", "is_checkpoint_id"]

HINT = "answer = None  # your answer: replace None, e.g. answer = \"a\""
_STUB = re.compile(r"^[ \t]*# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)[ \t]*\n?", re.MULTILINE)
_ASSIGNS_ANSWER = re.compile(r"^answer\s*=", re.MULTILINE)


def is_checkpoint_id(grade_id: str) -> bool:
    """Whether ``grade_id`` is a checkpoint's (``checkpoint_<n>``, ``checkpoint_<n>_answer``). Every chapter has a
    ``checkpoint_1``, so these ids never tell one chapter's notebook from another's."""
    return grade_id.startswith("checkpoint_")


def is_checkpoint_answer(cell: NotebookNode) -> bool:
    """Whether ``cell`` is the answer cell of a checkpoint (grade_id ``checkpoint_<n>_answer``)."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("solution")) and is_checkpoint_id(str(meta.get("grade_id", "")))


class CheckpointStubs(NbGraderPreprocessor):
    """Replace the NotImplementedError stub of each checkpoint's answer cell with ``answer = None``."""

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if cell.cell_type == "code" and is_checkpoint_answer(cell):
            source = _STUB.sub("", cell.source).rstrip()
            cell.source = source if _ASSIGNS_ANSWER.search(source) else f"{HINT}\n{source}".rstrip()
        return cell, resources
