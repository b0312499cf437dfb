"""Checkpoints: short "predict the outcome" questions, placed after the part of a chapter they test.

A checkpoint is a ``## Checkpoint …`` section with one answer cell, where the student assigns ``answer``
(a letter, several letters, or a value such as a number or a list of thread names), and one hidden test cell
that calls one of these functions with the expected answer and the reason. A wrong answer shows the reason,
so the feedback teaches; an answer of the wrong form (a letter that is not an option) says what form is
expected, before any reason is given away.

Letters are compared without case or spaces, so ``"B"``, ``" b "`` and ``"b"`` are one answer; a set of
letters may be written ``"ac"``, ``"a, c"``, ``["a", "c"]`` or ``{"c", "a"}``.
"""
from __future__ import annotations

from typing import Any

__all__ = ["expect_choice", "expect_choices", "expect_value"]


def expect_choice(answer: Any, expected: str, why: str, options: str = "abcd") -> None:
    """One letter out of ``options``."""
    got = _letters(answer, options)
    if len(got) != 1:
        raise AssertionError(f"answer with one letter out of {', '.join(options)}, e.g. answer = {options[0]!r}")
    if got != {expected.lower()}:
        raise AssertionError(f"not {got.pop()!r}: {why}")


def expect_choices(answer: Any, expected: str, why: str, options: str = "abcd") -> None:
    """Every letter that applies out of ``options``, in any order (``"ac"``); none is ``""``."""
    got = _letters(answer, options)
    if got != set(expected.lower()):
        raise AssertionError(f"not {''.join(sorted(got)) or 'none'!r}: {why}")


def expect_value(answer: Any, expected: Any, why: str) -> None:
    """A value equal to ``expected`` and of its type (``True`` is not ``1``)."""
    if type(answer) is not type(expected):
        raise AssertionError(f"answer with a {type(expected).__name__}, e.g. answer = {_example(expected)!r}")
    if answer != expected:
        raise AssertionError(f"not {answer!r}: {why}")


def _letters(answer: Any, options: str) -> set[str]:
    """The letters of ``answer``; an AssertionError naming the options if it holds anything else."""
    if isinstance(answer, str):
        parts = [c for c in answer.lower() if c not in " ,;"]
    elif isinstance(answer, list | tuple | set | frozenset) and all(isinstance(a, str) for a in answer):
        parts = [a.strip().lower() for a in answer]
    else:
        raise AssertionError(f"answer with letters out of {', '.join(options)} in a string, e.g. answer = 'ab'")
    if stray := [p for p in parts if p not in options]:
        raise AssertionError(f"{stray[0]!r} is not one of the options {', '.join(options)}")
    return set(parts)


def _example(expected: Any) -> Any:
    """A value of ``expected``'s type that does not give the answer away."""
    return type(expected)()
