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
# The suite is CPU-bound, so the header also says how busy the machine's cores were during the run: per test,
# CPU time cannot be told apart (two workers share the cores, and a kernel killed in its sandbox is reaped by
# no process of the test's), but the machine's total can.
_durations: dict[str, float] = {}
_started = time.monotonic()
SLOWEST_SHOWN = 20


def _busy_cpu_seconds() -> float:
    """CPU-seconds the machine's cores have spent not idle since boot (Linux's /proc/stat), or 0 elsewhere."""
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    except OSError:
        return 0.0
    idle, iowait = fields[3], fields[4]
    return (sum(fields) - idle - iowait) / os.sysconf("SC_CLK_TCK")


_busy_at_start = _busy_cpu_seconds()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    total = sum(_durations.values())
    if not total:
        return
    ranked = sorted(_durations.items(), key=lambda item: -item[1])
    lines = [f"{seconds:8.1f} s {100 * seconds / total:5.1f} %  {nodeid}" for nodeid, seconds in ranked]
    wall, busy = time.monotonic() - _started, _busy_cpu_seconds() - _busy_at_start
    header = (f"test time {total:.0f} s in {len(ranked)} tests (setup, call and teardown summed over workers); "
              f"wall time {wall:.0f} s; the machine's {os.cpu_count()} cores busy for {busy:.0f} CPU-s "
              f"({100 * busy / max(wall * (os.cpu_count() or 1), 1e-9):.0f} % of what they could give)")
    (REPO / "test-durations.txt").write_text("\n".join([header, *lines]) + "\n")
    terminalreporter.write_sep("=", f"slowest {min(SLOWEST_SHOWN, len(lines))} tests (all in test-durations.txt)")
    terminalreporter.write_line(header)
    for line in lines[:SLOWEST_SHOWN]:
        terminalreporter.write_line(line)
