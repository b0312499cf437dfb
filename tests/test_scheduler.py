"""course.interleave: the controlled scheduler finds races and deadlocks by search, replays them exactly,
runs sleeps and timeouts on virtual time, reports uncontrolled blocking, and leaves the process as it was."""
from __future__ import annotations

import linecache
import os
import queue
import re
import sys
import threading
import time
from typing import Any

import pytest

from course import interleave
from course.amplify import amplify_int_attributes
from course.fair_clock import FairClock

STUDENT = '''
import threading
import time
from threading import Lock


class Unsafe:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1


class Safe:
    def __init__(self):
        self.value = 0
        self.lock = Lock()

    def increment(self):
        with self.lock:
            self.value += 1


class LazyLock:
    """Makes its lock on first use: two first calls can make two locks (needs two preemptions)."""

    def __init__(self):
        self.value = 0
        self.lock = None

    def increment(self):
        if self.lock is None:
            self.lock = threading.Lock()
        with self.lock:
            self.value += 1


def transfer_naive(a, b):
    with a:
        with b:
            pass


def napper(results):
    time.sleep(30)
    results.append(time.monotonic())
'''
FILE = "<ipython-input-7-abcdef>"


@pytest.fixture(scope="module")
def cell() -> dict[str, Any]:
    """The student code above, compiled as IPython compiles a cell (so it is traced as student code)."""
    linecache.cache[FILE] = (len(STUDENT), None, STUDENT.splitlines(True), FILE)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(STUDENT, FILE, "exec"), namespace)
    return namespace


def counter_scenario(cls: type, threads: int = 2, increments: int = 2) -> interleave.Scenario:
    def scenario() -> Any:
        counter = amplify_int_attributes(cls(), interleave.step)

        def work() -> None:
            for _ in range(increments):
                counter.increment()

        want = threads * increments
        return ({f"worker-{i + 1}": work for i in range(threads)},
                lambda: None if counter.value == want else f"value is {counter.value}, not {want}")

    return scenario


def test_lost_update_found_with_one_preemption_and_shown_as_steps(cell: dict[str, Any]) -> None:
    out = interleave.explore(counter_scenario(cell["Unsafe"]), student=(cell["Unsafe"],))
    assert out.problem == "value is 2, not 4"
    assert out.preemptions == 1
    assert "worker-1: `self.value += 1`, read value=0 · worker-2: `self.value += 1`, read value=0" in out.steps
    assert "replay(['worker-1'" in out.report("replay({schedule})")
    timeline = interleave.last_failure().timeline()
    assert [(s.thread, s.start, s.end) for s in timeline.spans][:2] == [("worker-1", 0, 2), ("worker-2", 2, 9)]
    assert [m.label for m in timeline.marks][:3] == ["read value=0", "read value=0", "write value=1"]


def test_replay_reproduces_the_counterexample_ten_times_of_ten(cell: dict[str, Any]) -> None:
    scenario = counter_scenario(cell["Unsafe"])
    found = interleave.explore(scenario, student=(cell["Unsafe"],))
    replays = [interleave.explore(scenario, student=(cell["Unsafe"],), schedule=found.schedule) for _ in range(10)]
    assert {(r.problem, r.steps) for r in replays} == {(found.problem, found.steps)}


def test_a_lock_shared_by_all_calls_passes_every_schedule(cell: dict[str, Any]) -> None:
    out = interleave.explore(counter_scenario(cell["Safe"]), student=(cell["Safe"],), max_runs=10_000)
    assert out.problem is None
    assert out.runs > 50  # the bounded search really branched at the lock and line steps


def test_from_threading_import_lock_is_controlled_during_the_run_and_restored_after(cell: dict[str, Any]) -> None:
    seen = []

    def scenario() -> Any:
        seen.append(type(cell["Safe"]().lock).__name__)
        return {"t": lambda: None}, lambda: None

    interleave.explore(scenario, student=(cell["Safe"],), max_runs=1)
    assert seen == ["_ControlledLock"]
    assert cell["Lock"] is threading.Lock is interleave._REAL[(threading, "Lock")]


def test_bounded_search_misses_nothing_pct_finds_it_too_and_both_are_deterministic(cell: dict[str, Any]) -> None:
    lazy = counter_scenario(cell["LazyLock"], increments=1)
    exhaustive, again = (interleave.explore(lazy, student=(cell["LazyLock"],)) for _ in range(2))
    assert exhaustive.problem == "value is 1, not 2" and exhaustive.preemptions == 2
    assert (exhaustive.runs, exhaustive.steps) == (again.runs, again.steps)
    assert interleave.explore(lazy, student=(cell["LazyLock"],), preemptions=1).problem is None
    pct = [interleave.explore(counter_scenario(cell["Unsafe"]), student=(cell["Unsafe"],), seed=11, max_runs=200)
           for _ in range(2)]
    assert pct[0].problem and (pct[0].runs, pct[0].steps) == (pct[1].runs, pct[1].steps)


def test_deadlock_is_exact_and_names_the_cycle(cell: dict[str, Any]) -> None:
    def scenario() -> Any:
        a, b = threading.Lock(), threading.Lock()
        a.name, b.name = "lock a", "lock b"
        return ({"left": lambda: cell["transfer_naive"](a, b), "right": lambda: cell["transfer_naive"](b, a)},
                lambda: None)

    clock = FairClock()  # what the scheduler itself costs, on a loaded machine too
    out = interleave.explore(scenario, student=(cell["transfer_naive"],))
    assert out.problem is not None and out.problem.startswith("Deadlock: each thread waits for a lock")
    assert "left waits for lock b (held by right)" in out.problem
    assert "right waits for lock a (held by left)" in out.problem
    assert clock.elapsed() < 2
    assert not [t for t in threading.enumerate() if t.name in ("left", "right")]


def test_sleeps_and_timeouts_run_on_virtual_time(cell: dict[str, Any]) -> None:
    results: list[float] = []

    def scenario() -> Any:
        q: queue.Queue[int] = queue.Queue()
        event = threading.Event()

        def waiter() -> None:
            assert not event.wait(timeout=5)
            with pytest.raises(queue.Empty):
                q.get(timeout=60)
            results.append(time.monotonic())

        return {"napper": lambda: cell["napper"](results), "waiter": waiter}, lambda: None

    clock = FairClock()  # what the scheduler itself costs, on a loaded machine too
    out = interleave.explore(scenario, student=(cell["napper"],), max_runs=1)
    assert out.problem is None, out.problem
    assert clock.elapsed() < 2
    assert results[1] - results[0] == pytest.approx(35)  # the napper woke at 30, the waiter at 5 + 60


def test_code_it_cannot_control_is_reported_not_hung(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interleave, "STALL_SECONDS", 0.3)
    real = interleave._REAL_LOCK()  # a real lock, as one made before the check would be
    real.acquire()
    released = threading.Timer(3, real.release)
    released.start()

    def scenario() -> Any:
        return {"stuck": lambda: real.acquire()}, lambda: None

    try:
        out = interleave.explore(scenario, max_runs=1)
    finally:
        released.join()
    assert out.problem is not None and "stuck stopped" in out.problem and "cannot control" in out.problem


def test_the_process_is_left_as_it_was(cell: dict[str, Any]) -> None:
    before = {key: getattr(owner, attr) for key in interleave._REAL for owner, attr in [key]}
    interleave.explore(counter_scenario(cell["Unsafe"]), student=(cell["Unsafe"],))
    assert {key: getattr(owner, attr) for key in interleave._REAL for owner, attr in [key]} == before
    assert sys.gettrace() is None and interleave._active is None


def _schedule_lines(message: str) -> tuple[str, str]:
    """The problem (first line) and the steps (the line after 'The schedule that shows it') of a failure."""
    lines = message.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("The schedule that shows it"))
    return lines[0], lines[at + 1]


@pytest.mark.parametrize(("check", "answer", "name"), [
    ("counter_survives_forced_race", "Unsafe", "SafeCounter"),
    ("transfer_never_deadlocks", "transfer_naive", "transfer"),
])
def test_the_printed_replay_call_reproduces_the_failure_ten_times_of_ten(
        cell: dict[str, Any], check: str, answer: str, name: str) -> None:
    from course.checks import ch04_threads as checks

    def transfer(source: Any, target: Any, amount: int) -> None:  # money moves, but in the naive lock order
        cell["transfer_naive"](source.lock, target.lock)

    student = transfer if answer == "transfer_naive" else cell[answer]
    with pytest.raises(AssertionError) as failed:
        getattr(checks, check)(student)
    call = re.search(r"Replay it: (checks\.\S.*\])\)", str(failed.value))
    assert call, str(failed.value)
    for _ in range(10):
        with pytest.raises(AssertionError) as replayed:
            eval(call.group(1) + ")", {"checks": checks, name: student})  # noqa: S307 -- the message's own call
        assert _schedule_lines(str(replayed.value)) == _schedule_lines(str(failed.value))


def test_a_fork_beside_a_thread_the_scheduler_made_leaves_the_child_only_its_own_thread() -> None:
    """A thread made during a run keeps the scheduler's _Flag as its ``_started``; a fork while it still runs must
    let ``threading._after_fork`` clean up (it resets every thread's locks), or the child lists the parent's threads."""
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="made during a run", daemon=True)
    thread._started = interleave._Flag()
    thread.start()
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0 if [t.name for t in threading.enumerate()] == [threading.current_thread().name] else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        release.set()
        thread.join()
