"""The self-study command answers bad input with a sentence that says what to do, and exit code 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course", "grade", *args], capture_output=True, text=True, timeout=120)


def test_a_missing_notebook_is_named(tmp_path: Path) -> None:
    done = _grade(str(tmp_path / "nope.ipynb"))
    assert done.returncode == 2 and "No notebook at" in done.stderr and "Traceback" not in done.stderr


def test_a_malformed_notebook_is_refused_with_advice(tmp_path: Path) -> None:
    broken = tmp_path / "ch04_threads.ipynb"
    broken.write_text('{"cells": [ this is not json')
    done = _grade(str(broken))
    assert done.returncode == 2 and "is not a readable notebook" in done.stderr and "release/" in done.stderr


def test_an_unknown_chapter_lists_the_real_ones(tmp_path: Path) -> None:
    notebook = tmp_path / "homework.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    done = _grade(str(notebook))
    assert done.returncode == 2 and "Cannot tell which chapter" in done.stderr and "ch04_threads.ipynb" in done.stderr
    done = _grade(str(notebook), "--chapter", "ch99_nothing")
    assert done.returncode == 2 and "There is no chapter 'ch99_nothing'" in done.stderr
