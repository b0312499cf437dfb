"""course.bounded: a hang fails within its bound with the stuck thread's stack; leftovers are named."""
from __future__ import annotations

import threading
import time

import pytest

from course.bounded import LeftoverThreads, TookTooLong, call_own_work, call_within, no_leftover_threads
from course.fair_clock import MAX_STRETCH


def test_call_within_returns_the_value_and_reraises_the_error() -> None:
    assert call_within(1, divmod, 7, 2) == (3, 1)
    with pytest.raises(ZeroDivisionError):
        call_within(1, divmod, 1, 0)


def test_a_hang_fails_in_time_and_shows_where_the_thread_waits() -> None:
    release = threading.Event()

    def stuck_forever() -> None:
        release.wait()

    started = time.monotonic()
    with pytest.raises(TookTooLong) as failure:
        call_within(0.3, stuck_forever)
    assert time.monotonic() - started < 0.3 * MAX_STRETCH + 1  # a wait is not held up by the load: on time
    assert "stuck_forever" in str(failure.value) and "release.wait()" in str(failure.value)
    release.set()


def test_leftover_threads_are_reported_with_their_names() -> None:
    stop = threading.Event()
    with pytest.raises(LeftoverThreads, match="'lingering'"):
        with no_leftover_threads(grace=0.2):
            threading.Thread(target=stop.wait, name="lingering", daemon=True).start()
    stop.set()


def test_threads_that_end_within_the_grace_period_are_fine() -> None:
    with no_leftover_threads(grace=1):
        threading.Thread(target=time.sleep, args=(0.1,)).start()


def test_call_own_work_catches_a_call_of_a_forbidden_function() -> None:
    def reference(x: int) -> int:
        return x * 2

    def honest(x: int) -> int:
        return x + x

    def copied(x: int) -> int:
        return reference(x)

    assert call_own_work(1, [reference], honest, 4) == 8
    with pytest.raises(AssertionError, match="reference"):
        call_own_work(1, [reference], copied, 4)
