"""Shared fixtures: the course's chapters, and nbgrader runs that several tests read."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from course.grading import autograde as ag

REPO = ag.REPO
CHAPTERS = ag.chapters()

# nbgrader and jupyter find their helpers (alembic, kernels) through PATH.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes ``chapter`` once per chapter folder under source/."""
    if "chapter" in metafunc.fixturenames:
        metafunc.parametrize("chapter", CHAPTERS)
