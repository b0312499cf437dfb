"""The tree is ruff clean, with the pinned ruff and the rule set in pyproject.toml."""
from __future__ import annotations

import subprocess
import sys

from course.grading import autograde as ag


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ag.REPO)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
