"""Shared fixtures: the course's chapters, and nbgrader runs that several tests read."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from course.grading import autograde as ag

REPO = ag.REPO
# ./dev quick narrows the chapter-parametrized tests to one chapter (COURSE_TEST_CHAPTERS=ch04_threads).
CHAPTERS = [c for c in ag.chapters() if c in os.environ.get("COURSE_TEST_CHAPTERS", c).split(",")]

# nbgrader and jupyter find their helpers (alembic, kernels) through PATH.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture
def open_course() -> Iterator[Path]:
    """An empty course folder that everyone may read (under /tmp, mode 755): the sandbox's user and the
    unprivileged grader can reach it (a test's tmp_path lies under a folder only root may enter)."""
    root = Path(tempfile.mkdtemp(prefix="open-course-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the slow tests first, so that on three workers the suite does not end waiting for one of them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes ``chapter`` once per chapter folder under source/."""
    if "chapter" in metafunc.fixturenames:
        metafunc.parametrize("chapter", CHAPTERS)


# Where the suite's time goes: every run prints its slowest tests with their share of all test time, and
# writes the whole table to test-durations.txt (works under pytest-xdist: the reports reach the controller).
_durations: dict[str, float] = {}
_started = time.monotonic()
SLOWEST_SHOWN = 20


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    total = sum(_durations.values())
    if not total:
        return
    ranked = sorted(_durations.items(), key=lambda item: -item[1])
    lines = [f"{seconds:8.1f} s {100 * seconds / total:5.1f} %  {nodeid}" for nodeid, seconds in ranked]
    header = (f"test time {total:.0f} s in {len(ranked)} tests (setup, call and teardown summed over workers); "
              f"wall time {time.monotonic() - _started:.0f} s")
    (REPO / "test-durations.txt").write_text("\n".join([header, *lines]) + "\n")
    terminalreporter.write_sep("=", f"slowest {min(SLOWEST_SHOWN, len(lines))} tests (all in test-durations.txt)")
    terminalreporter.write_line(header)
    for line in lines[:SLOWEST_SHOWN]:
        terminalreporter.write_line(line)
