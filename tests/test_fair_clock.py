"""The fair clock counts the time code could run: a sleep or a deadlock counts in full, time a busy machine kept
the code waiting for a CPU does not, and a bound on it still ends at MAX_STRETCH times its length."""
from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator

import pytest

from course.bounded import call_within
from course.fair_clock import MAX_STRETCH, FairClock

SPAWN = multiprocessing.get_context("spawn")


def _spin(cpu_seconds: float) -> None:
    started = time.process_time()
    while time.process_time() - started < cpu_seconds:
        pass


@pytest.fixture
def busy_machine() -> Iterator[None]:
    """Four spinning processes per core."""
    spinners = [SPAWN.Process(target=_spin, args=(60,), daemon=True) for _ in range(4 * (os.cpu_count() or 1))]
    for spinner in spinners:
        spinner.start()
    time.sleep(0.5)  # let them start competing
    yield
    for spinner in spinners:
        spinner.kill()
        spinner.join()


def test_a_wait_counts_in_full() -> None:
    started = time.monotonic()  # before the clock starts, so the clock's wall time cannot exceed this one's
    clock = FairClock()
    time.sleep(0.4)
    assert 0.35 <= clock.elapsed() <= time.monotonic() - started


def test_a_busy_machine_does_not_make_a_correct_call_overrun_its_bound(busy_machine: None) -> None:
    """0.15 CPU-s of work against a bound of 0.5 s, while 4 spinners per core take the CPU: on a wall clock the
    call takes at least 0.65 s and would overrun."""
    started = time.monotonic()
    call_within(0.5, _spin, 0.15)
    assert time.monotonic() - started > 0.5, "the spinners should have held the call up past its bound"


def test_descendants_held_up_count_too_and_the_clock_never_stops(busy_machine: None) -> None:
    clock, started = FairClock(), time.monotonic()
    children = [SPAWN.Process(target=_spin, args=(0.3,)) for _ in range(2)]
    for child in children:
        child.start()
    while any(child.is_alive() for child in children):  # polled, as a bounded call polls its clock
        clock.elapsed()
        time.sleep(0.02)
    for child in children:
        child.join()
    wall = time.monotonic() - started
    assert wall / MAX_STRETCH <= clock.elapsed() < wall / 2
