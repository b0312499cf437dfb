"""Checkpoint answers: the expected one passes in every accepted spelling; others fail with a message that
says what form is wanted, or why the answer is wrong."""
from __future__ import annotations

import nbformat
import pytest

from course.checks import checkpoints
from course.grading import autograde as ag
from course.grading.checkpoint_stubs import is_checkpoint_answer


@pytest.mark.parametrize("answer", ["b", "B", " b ", ["b"], {"B"}])
def test_one_letter_in_any_spelling(answer: object) -> None:
    checkpoints.expect_choice(answer, "b", "because")


@pytest.mark.parametrize(("answer", "message"), [
    ("c", "not 'c': because"), ("bc", "one letter"), ("", "one letter"), ("e", "not one of the options"), (2, "in a string"),
])
def test_a_wrong_or_malformed_letter_says_which(answer: object, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        checkpoints.expect_choice(answer, "b", "because")


@pytest.mark.parametrize("answer", ["ac", "c, a", ["a", "c"], {"C", "A"}])
def test_several_letters_in_any_order(answer: object) -> None:
    checkpoints.expect_choices(answer, "ac", "because")


@pytest.mark.parametrize(("answer", "message"), [("a", "not 'a'"), ("abc", "not 'abc'"), ("", "not 'none'")])
def test_too_few_or_too_many_letters_fail(answer: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        checkpoints.expect_choices(answer, "ac", "because")


def test_no_letter_is_an_answer_when_none_applies() -> None:
    checkpoints.expect_choices("", "", "none of them can")


def test_a_value_must_match_in_type_and_value() -> None:
    checkpoints.expect_value(["t1", "t2"], ["t1", "t2"], "because")
    with pytest.raises(AssertionError, match="answer with a int, e.g. answer = 0"):
        checkpoints.expect_value(True, 1, "because")
    with pytest.raises(AssertionError, match="not 3: because"):
        checkpoints.expect_value(3, 2, "because")


def test_a_released_checkpoint_lets_run_all_go_on_and_scores_nothing_unanswered(chapter: str) -> None:
    """In the release, every checkpoint's answer cell sets answer = None (no NotImplementedError to stop Run All),
    and its check fails on that."""
    released = nbformat.read(ag.REPO / "release" / chapter / f"{chapter}.ipynb", as_version=4)
    cells = [c for c in released.cells if c.cell_type == "code" and is_checkpoint_answer(c)]
    for cell in cells:
        namespace: dict[str, object] = {}
        exec(compile(cell.source, cell.metadata.nbgrader.grade_id, "exec"), namespace)  # noqa: S102 -- our own release
        assert namespace["answer"] is None, cell.source
        with pytest.raises(AssertionError, match="answer with"):
            checkpoints.expect_choice(namespace["answer"], "a", "because")
