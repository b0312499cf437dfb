"""Shared fixtures: the course's chapters, and nbgrader runs that several tests read."""
from __future__ import annotations

import os
import resource
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
# The suite is CPU-bound (two workers keep both cores busy), so each test's CPU-seconds are the figure to cut:
# its worker's own and its children's, kernels and grading workers included once they have been reaped.
_durations: dict[str, float] = {}
_cpu: dict[str, float] = {}
_started = time.monotonic()
SLOWEST_SHOWN = 20
_CPU_SINCE = "cpu_seconds"  # the report property that carries a test phase's CPU-seconds to the controller


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


_last_cpu = _cpu_seconds()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Attach to each phase's report the CPU-seconds spent since the previous phase ended."""
    global _last_cpu
    outcome = yield
    now = _cpu_seconds()
    outcome.get_result().user_properties.append((_CPU_SINCE, now - _last_cpu))
    _last_cpu = now


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration
    cpu = sum(value for name, value in report.user_properties if name == _CPU_SINCE)
    _cpu[report.nodeid] = _cpu.get(report.nodeid, 0.0) + cpu


def pytest_terminal_summary(terminalreporter) -> None:
    total, total_cpu = sum(_durations.values()), sum(_cpu.values())
    if not total:
        return
    ranked = sorted(_durations, key=lambda nodeid: -_cpu[nodeid])
    lines = [f"{_durations[n]:8.1f} s {_cpu[n]:8.1f} CPU-s {100 * _cpu[n] / max(total_cpu, 1e-9):5.1f} %  {n}"
             for n in ranked]
    header = (f"test time {total:.0f} s and {total_cpu:.0f} CPU-s in {len(ranked)} tests (setup, call and teardown "
              f"summed over workers; the share is of CPU); wall time {time.monotonic() - _started:.0f} s")
    (REPO / "test-durations.txt").write_text("\n".join([header, *lines]) + "\n")
    terminalreporter.write_sep("=", f"costliest {min(SLOWEST_SHOWN, len(lines))} tests (all in test-durations.txt)")
    terminalreporter.write_line(header)
    for line in lines[:SLOWEST_SHOWN]:
        terminalreporter.write_line(line)
