"""Chapter 4's reference solutions keep the contracts their exercises state, on the inputs that used to hang
them (a worker that raises, a transfer from an account to itself, a pool shut down without waiting and then
again): each returns or raises within a bound, on real threads, and leaves no thread behind."""
from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest

from course.bounded import TookTooLong, call_within, no_leftover_threads
from course.grading import autograde as ag
from course.workloads import Account

BOUND = 5.0  # seconds; every call below takes milliseconds when it keeps its contract


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """The names the reference solution cells of Chapter 4 define, run as a notebook would run them."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for grade_id, source in ag.solution_sources("ch04_threads").items():
        exec(compile(source, f"<ipython-input-{grade_id}>", "exec"), namespace)  # noqa: S102 -- our own notebook
    return namespace


class Boom(Exception):
    """What the failing worker raises."""


def test_run_pipeline_reraises_a_failing_worker_and_stops_taking_items(reference: dict[str, Any]) -> None:
    failure = Boom("item 3")

    def worker(item: int) -> int:
        if item == 3:
            raise failure
        return item

    with no_leftover_threads(grace=0), pytest.raises(Boom) as raised:
        call_within(BOUND, reference["run_pipeline"], itertools.count(), worker, n_consumers=3, maxsize=2)
    assert raised.value is failure  # and it returned although the items never end: it stopped taking them


def test_run_pipeline_with_every_worker_call_failing(reference: dict[str, Any]) -> None:
    def worker(item: int) -> int:
        raise Boom(item)

    with no_leftover_threads(grace=0), pytest.raises(Boom):
        call_within(BOUND, reference["run_pipeline"], range(50), worker, n_consumers=2, maxsize=1)


def test_transfer_to_the_same_account_raises_and_changes_nothing(reference: dict[str, Any]) -> None:
    account = Account(7, 100)
    try:
        call_within(BOUND, reference["transfer"], account, account, 30)
    except TookTooLong:
        pytest.fail("transfer(a, a, 30) hangs: it takes the account's Lock twice")
    except ValueError:
        pass
    else:
        pytest.fail("transfer(a, a, 30) should raise ValueError")
    assert account.balance == 100 and not account.lock.locked()


def test_pool_shutdown_without_waiting_then_again(reference: dict[str, Any]) -> None:
    gate = threading.Event()
    with no_leftover_threads(grace=0):
        pool = call_within(BOUND, reference["ThreadPool"], 2)
        futures = [pool.submit(lambda i=i: (gate.wait(BOUND), i)[1]) for i in range(3)]
        try:
            call_within(BOUND, pool.shutdown, wait=False)  # returns although every task waits at the gate
            with pytest.raises(TimeoutError):  # the queued task has not run yet
                futures[2].result(timeout=0)
            with pytest.raises(RuntimeError):
                pool.submit(abs, -1)
        finally:
            gate.set()
        assert [call_within(BOUND, f.result) for f in futures] == [0, 1, 2]
        call_within(BOUND, pool.shutdown)
        call_within(BOUND, pool.shutdown, wait=True)
