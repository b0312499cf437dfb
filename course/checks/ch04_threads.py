"""Checks for the exercises of Chapter 4 (threads): SafeCounter, run_pipeline, ThreadPool, transfer.

Each public function checks one property, bounds every call into student code in time
(course.bounded), leaves no thread behind, and fails with a sentence that says what to fix.
Races and deadlocks are searched for under course.interleave's scheduler, which runs the threads one at
a time and chooses who goes next, so a verdict is a property of the code, the same on every run and
under any load; a failure shows the schedule that breaks the code and the call that replays it.
Leftover threads are looked for the moment a call returns (no grace window).

What each statement requires, and the check that enforces it:

Exercise 1, class SafeCounter
| requirement                                                   | check                                        |
|---------------------------------------------------------------|----------------------------------------------|
| a new counter's value is 0                                    | counter_counts_correctly, ..._forced_race    |
| value is an int                                               | counter_counts_correctly (_counter_value)    |
| increment() adds one: many threads give the exact total       | counter_counts_correctly (4×2000, 8×5000,    |
|                                                               |   threads one after another: no luck)        |
| no update is ever lost, in any interleaving (one lock, made   | counter_survives_forced_race (2×2 complete,  |
|   once, held around the whole read-modify-write)              |   3×2; switches at every int read and write) |
| ... however far it has counted (no path that stops locking)   | counter_survives_forced_race (warm_up=10 000)|

Exercise 2, run_pipeline(items, worker, n_consumers=3, maxsize=2)
| requirement                                                   | check                                        |
|---------------------------------------------------------------|----------------------------------------------|
| returns a list with worker(item) once per item, any order     | pipeline_processes_every_item_once           |
| any items: None, 0, '', False, (), plausible sentinels        | pipeline_processes_every_item_once           |
|   ('STOP', 'DONE', -1, Ellipsis, b'', [] ...) and an item     |   (_LOOKALIKES), ..._works_in_every_schedule |
|   equal to everything (a sentinel tested with == or iter())   |   (_EqualToEverything)                       |
| no items at all                                               | pipeline_works_in_every_schedule (items=())  |
| the producer: the caller, or a thread of its own that is      | pipeline_works_in_every_schedule (1 consumer,|
|   joined too                                                  |   no items: every schedule of the ending)    |
| items from any iterable: a list, a generator, a slow one      | ..._every_item_once, ..._stops_without_poll. |
| a producer puts the items one by one on a Queue(maxsize)      | pipeline_applies_back_pressure (3 sizes)     |
| n_consumers threads take items and call worker concurrently   | pipeline_consumers_run_concurrently (3, 4)   |
| consumers block in get(): no qsize()/empty()/get_nowait/      | pipeline_stops_without_polling (queue spy,   |
|   get(timeout) polling, no busy loop                          |   virtual time)                              |
| a worker that raises: run_pipeline stops taking items, ends   | pipeline_survives_a_failing_worker (raised   |
|   every thread and re-raises that exception; never hangs      |   `is` it, threads, items taken after, search)|
| each consumer stops at a sentinel; returns as the last item   | pipeline_stops_without_polling (no lag),     |
|   is done, in every schedule, without hanging                 |   pipeline_works_in_every_schedule           |
| on return every thread it started has finished                | ..._every_item_once, ..._run_concurrently    |
|                                                               |   (grace 0), ..._works_in_every_schedule     |
| the sentinel is tested with `is`                              | (only through its effects: lookalike items)  |

Exercise 3, class ThreadPool(max_workers)
| requirement                                                   | check                                        |
|---------------------------------------------------------------|----------------------------------------------|
| submit(fn, *args, **kwargs).result() returns the value        | pool_returns_results                         |
| result() re-raises the task's exception                       | pool_returns_results (ValueError)            |
| result(timeout) raises TimeoutError while the task runs       | pool_returns_results (_result_honours_time.) |
| map(fn, iterable) gives the results in input order            | pool_returns_results                         |
| map raises the exception of the first failing item in input   | pool_returns_results (_map_raises_in_input_  |
|   order, not the first to fail in time                        |   order: item 1 fails after item 2)          |
| never more than max_workers tasks at once; max_workers        | pool_respects_max_workers (2, 3, 5)          |
|   blocking tasks do overlap                                   |                                              |
| the same max_workers threads run task after task; a task      | pool_reuses_its_workers (2, 3)               |
|   that raises does not cost a worker; tasks not on the caller |                                              |
| built from threading and queue, not ThreadPoolExecutor        | pool_reuses_its_workers (threads' targets)   |
| an idle pool blocks instead of spinning or polling            | pool_idles_without_burning_cpu               |
| no lost wake-up: every schedule gives every result at once    | pool_works_in_every_schedule                 |
| shutdown(wait=True) returns after every task has run and      | pool_shuts_down_cleanly (grace 0)            |
|   every worker has exited                                     |                                              |
| submit after shutdown raises RuntimeError                     | pool_shuts_down_cleanly, ..._without_waiting |
| shutdown(wait=False) returns at once; submitted tasks still   | pool_shutdown_without_waiting (virtual time  |
|   run                                                         |   unchanged, every result)                   |
| shutdown may be called again; a later wait=True waits for     | pool_shutdown_without_waiting (a 2nd call    |
|   the tasks and the workers                                   |   waits, workers end; a 3rd call is harmless)|
| workers may be daemons or not                                 | (nothing to check: shutdown must end them)   |
| `with ThreadPool(n) as pool:` gives the pool, shuts down      | pool_is_a_context_manager (grace 0)          |
|   waiting at the end                                          |                                              |

Exercise 4, transfer(source, target, amount)
| requirement                                                   | check                                        |
|---------------------------------------------------------------|----------------------------------------------|
| moves amount from source to target                            | transfer_moves_money_atomically (70/130)     |
| balances change only while both accounts' own locks are held  | transfer_moves_money_atomically (audited)    |
| no transfer lost or money made under concurrency: opposite    | transfer_moves_money_atomically (100/100),   |
|   transfers of equal sums leave the balances as they were     |   transfer_never_deadlocks (every schedule)  |
| no deadlock when a→b and b→a run at once, in any schedule,    | transfer_never_deadlocks (numbers 0, 1 and   |
|   whatever the (unique) numbers and the amounts               |   10, 4; amounts 7/7 and 60/5)               |
| transfer(a, a, x) raises ValueError and changes nothing       | transfer_to_itself_is_refused                |
"""
from __future__ import annotations

import collections
import contextlib
import functools
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from course import interleave
from course.amplify import DeadlockSuspected, WatchedLock, amplify_int_attributes, locks_held
from course.bounded import call_within, no_leftover_threads
from course.workloads import Account

SECONDS = 5  # bound on any one call into student code
SEARCH_SECONDS = 60  # bound on one whole search, against hangs only: its length is set by a number of runs


def _search(scenario: interleave.Scenario, student: tuple[Any, ...], schedule: list[str] | None,
            max_runs: int, max_steps: int = interleave.MAX_STEPS) -> interleave.Outcome:
    """Explore ``scenario`` (or replay ``schedule``) within SEARCH_SECONDS, leaving no thread behind.

    A thread that raised NotImplementedError (a blank answer) re-raises it, so the grader can say so.
    """
    with no_leftover_threads():
        found = call_within(SEARCH_SECONDS, lambda: interleave.explore(
            scenario, student=student, schedule=schedule, max_runs=max_runs, max_steps=max_steps))
    blank = [error for _, error in found.errors if isinstance(error, NotImplementedError)]
    if blank:
        raise blank[0]
    return found


def _run_threads(target: Callable[[], None], n: int, seconds: float = SECONDS) -> list[BaseException]:
    """Run ``target`` in ``n`` threads that start together; return the exceptions they raised."""
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def body() -> None:
        try:
            start.wait(timeout=seconds)
            target()
        except BaseException as exc:  # noqa: BLE001 -- reported to the check
            errors.append(exc)

    threads = [threading.Thread(target=body, name=f"check-{i}", daemon=True) for i in range(n)]

    def run_all() -> None:
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    call_within(seconds, run_all)
    return errors


def _on_virtual_time(check: Callable[..., None]) -> Callable[..., None]:
    """Run the whole of ``check`` as the one thread of a run of course.interleave, on its default schedule.

    Its sleeps, barrier timeouts and call_within bounds then pass on virtual time, instantly, the same on
    a busy machine as on a quiet one, and a thread that waits for something that never happens is an
    exact deadlock instead of a wait for a real-time bound.
    """
    @functools.wraps(check)
    def scheduled(student: Any, *args: Any, **kwargs: Any) -> None:
        def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
            return {"main": lambda: check(student, *args, **kwargs)}, lambda: None

        found = _search(scenario, (student,), None, max_runs=1)
        failures = [error for name, error in found.errors if name == "main"]
        if failures:
            raise failures[0]
        assert found.problem is None, found.problem

    return scheduled


# --------------------------------------------------------------------------- Exercise: SafeCounter

def _counter_value(counter: Any) -> int:
    value = counter.value
    assert type(value) is int, f"SafeCounter().value should be an int, but it is {type(value).__name__}."
    return value


def _count(SafeCounter: type, threads: int, increments: int) -> int:
    """Let ``threads`` threads, one after another, increment one new counter; return its final value.

    One after another, so that the count is the same on every run: threads running together lose an update
    of a racy counter only by luck (and more often with a busy machine or a teaching demo run before), and a
    grade must not depend on luck. Finding the race is counter_survives_forced_race's work, in every schedule.
    """
    with no_leftover_threads():
        counter = call_within(SECONDS, SafeCounter)
        assert _counter_value(counter) == 0, "A new SafeCounter should start at 0."

        def work() -> None:
            for _ in range(increments):
                counter.increment()

        errors = [error for _ in range(threads) for error in _run_threads(work, 1)]
    assert not errors, f"increment() raised {errors[0]!r}."
    return _counter_value(counter)


def counter_counts_correctly(SafeCounter: type, threads: int = 4, increments: int = 2000) -> None:
    """Many threads each increment one counter; the value must be the exact total."""
    got, expected = _count(SafeCounter, threads, increments), threads * increments
    assert got == expected, f"{threads} threads × {increments} increments should give {expected}, got {got}."


def counter_survives_forced_race(SafeCounter: type, threads: int = 2, increments: int = 2, warm_up: int = 0,
                                 schedule: list[str] | None = None) -> None:
    """Search the interleavings of ``threads`` threads' increments; no schedule may lose an update.

    Every read and write of an int attribute and every line of the student's code is a point where the
    scheduler may switch threads. Unsynchronised code, a lock made inside increment() or on first use,
    or a lock around only the read or only the write all lose an update in some schedule of at most two
    preemptions; a lock held around the whole update never does. With ``warm_up``, the counter is first
    incremented that many times by one thread, so that a path taken only past some count (a counter
    that stops locking once it is large) is searched too. ``schedule`` replays one schedule.
    """
    expected = warm_up + threads * increments

    def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
        counter = SafeCounter()
        assert _counter_value(counter) == 0, "A new SafeCounter should start at 0."
        for _ in range(warm_up):
            counter.increment()
        amplify_int_attributes(counter, interleave.step)

        def work() -> None:
            for _ in range(increments):
                counter.increment()

        def verdict() -> str | None:
            got = counter.value
            return None if got == expected else (
                f"{threads} threads × {increments} increments{f' after {warm_up} ones' if warm_up else ''} "
                f"gave {got} instead of {expected}")

        return {f"worker-{i + 1}": work for i in range(threads)}, verdict

    # 2 × 2 is searched completely; past a warm-up, a lock-free path loses an update within 9 schedules
    runs = 12 if warm_up else 300 if threads == 2 else 100
    found = _search(scenario, (SafeCounter,), schedule, max_runs=runs)
    replay = (f"checks.counter_survives_forced_race(SafeCounter, threads={threads}, increments={increments}, "
              f"warm_up={warm_up}, schedule={{schedule}})")
    assert found.problem is None, (
        f"An update was lost. {found.report(replay)}\nTwo threads read the same old value and both wrote it "
        f"back plus one. Hold ONE lock, shared by all calls (made in __init__, not in increment), around the "
        f"whole read–modify–write, on every path through increment()."
    )


# --------------------------------------------------------------------------- Exercise: run_pipeline

def _key(item: Any) -> tuple[str, str]:
    """A sortable identity for any item (0, False and None must stay distinct)."""
    return (type(item).__name__, repr(item))


def _call_pipeline(run_pipeline: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Any]:
    results = call_within(SECONDS, run_pipeline, *args, **kwargs)
    assert results is not None, "run_pipeline should return the list of results, but it returned None."
    return list(results)


class _EqualToEverything:
    """An item that compares equal to anything, as a mock's ANY does: a sentinel tested with == meets its match."""

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "<an item equal to everything>"


_LOOKALIKES = ("STOP", "stop", "DONE", "END", "sentinel", -1, Ellipsis, b"", [], _EqualToEverything())


@_on_virtual_time
def pipeline_processes_every_item_once(run_pipeline: Callable[..., Any]) -> None:
    """Every item, falsy ones included, is processed exactly once, from a list and from a generator."""
    items = [0, None, "", False, 0.0, (), "x", 1, 1, 2, *_LOOKALIKES] + list(range(10, 30))
    for source, label in ((lambda: list(items), "a list"), (lambda: (i for i in items), "a generator")):
        with no_leftover_threads(grace=0):
            results = _call_pipeline(run_pipeline, source(), lambda x: ("seen", x), n_consumers=3, maxsize=2)
        got = sorted(_key(r[1]) if isinstance(r, tuple) and len(r) == 2 else _key(r) for r in results)
        want = sorted(_key(i) for i in items)
        missing = collections.Counter(want) - collections.Counter(got)
        extra = collections.Counter(got) - collections.Counter(want)
        assert not missing and not extra, (
            f"With items from {label}, the results do not match one call of worker per item. "
            f"Missing: {[v for _, v in missing.elements()][:5]}; unexpected or repeated: "
            f"{[v for _, v in extra.elements()][:5]}. Falsy items such as 0, None or '' are items too: "
            f"stop at a unique sentinel object (`STOP = object()`, then `if item is STOP`)."
        )


@_on_virtual_time
def pipeline_consumers_run_concurrently(run_pipeline: Callable[..., Any], n_consumers: int = 3) -> None:
    """Each worker call waits until ``n_consumers`` calls are running at once."""
    together = threading.Barrier(n_consumers, timeout=2)
    alone: list[str] = []

    def worker(item: Any) -> Any:
        try:
            together.wait()
        except threading.BrokenBarrierError:
            alone.append(threading.current_thread().name)
        return item

    with no_leftover_threads(grace=0):
        _call_pipeline(run_pipeline, list(range(n_consumers)), worker, n_consumers=n_consumers, maxsize=2)
    assert not alone, (
        f"With n_consumers={n_consumers}, {n_consumers} slow worker calls should run at the same time, "
        f"but they did not: start all consumer threads before joining any of them, and let each take "
        f"items from the shared queue."
    )


def pipeline_applies_back_pressure(run_pipeline: Callable[..., Any], n_consumers: int = 2, maxsize: int = 2,
                                   schedule: list[str] | None = None) -> None:
    """The producer never runs more than a bounded queue's worth ahead of the consumers.

    Runs under the scheduler, so the workers' sleeps take no real time and the check's own counting
    (which has no switch point) needs no lock.
    """
    def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
        state = {"produced": 0, "started": 0, "worst": 0}

        def items() -> Iterator[int]:
            for i in range(30):
                state["worst"] = max(state["worst"], state["produced"] - state["started"])
                state["produced"] += 1
                yield i

        def worker(item: int) -> int:
            state["started"] += 1
            time.sleep(0.01)
            return item

        def body() -> None:
            results = run_pipeline(items(), worker, n_consumers=n_consumers, maxsize=maxsize)
            assert results is not None, "run_pipeline should return the list of results, but it returned None."

        def verdict() -> str | None:
            allowed = maxsize + n_consumers + 1
            return None if state["worst"] <= allowed else (
                f"The producer ran {state['worst']} items ahead of the workers, but a queue.Queue(maxsize={maxsize}) "
                f"shared with {n_consumers} consumers allows at most {allowed}")

        return {"main": body}, verdict

    found = _search(scenario, (run_pipeline,), schedule, max_runs=1)
    replay = (f"checks.pipeline_applies_back_pressure(run_pipeline, n_consumers={n_consumers}, maxsize={maxsize}, "
              f"schedule={{schedule}})")
    assert found.problem is None, (
        f"{found.report(replay)}\nRead the items one by one in the producer and put() them on a "
        f"Queue(maxsize): put blocks while the queue is full."
    )


_POLLING = ("qsize", "empty", "full", "get_nowait")


def _polls(name: str, args: tuple, kwargs: dict) -> bool:
    """Whether a call of queue.Queue.<name> is a poll rather than a blocking wait."""
    if name in _POLLING:
        return True
    block = kwargs.get("block", args[0] if args else True)
    timeout = kwargs.get("timeout", args[1] if len(args) > 1 else None)
    return block is False or timeout is not None


def _install_queue_spy() -> dict[str, Any]:
    """Record polling calls on queue.Queue made by threads a check watches.

    Installed when this module is imported, so that the grading guard (course.grading.guard), armed after that
    import, takes the wrapped methods as the real ones.
    """
    spy: dict[str, Any] = {"watching": False, "ignored": set(), "calls": []}

    def wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def recorded(self: queue.Queue, *args: Any, **kwargs: Any) -> Any:
            if spy["watching"] and threading.current_thread() not in spy["ignored"] and _polls(name, args, kwargs):
                spy["calls"].append(f"{name}()" if name in _POLLING else "get(block=False or timeout=…)")
            return method(self, *args, **kwargs)

        return recorded

    for name in _POLLING + ("get",):
        setattr(queue.Queue, name, wrap(name, getattr(queue.Queue, name)))
    return spy


_QUEUE_SPY = _install_queue_spy()


def pipeline_stops_without_polling(run_pipeline: Callable[..., Any], schedule: list[str] | None = None) -> None:
    """Consumers block on get() and stop at a sentinel: no polling, no busy loop, a prompt return.

    Runs under the scheduler on virtual time: the slow producer's sleeps cost nothing, a busy loop
    fails as one, and the pipeline must return at the (virtual) moment its last item is done.
    """
    spy = _QUEUE_SPY

    def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
        times: dict[str, float] = {}

        def slow_items() -> Iterator[int]:
            for i in range(4):
                time.sleep(0.1)
                yield i

        def worker(item: int) -> int:
            times["last done"] = time.monotonic()
            return item

        def body() -> None:
            spy["ignored"].add(threading.current_thread())  # the caller may use the queue's API freely
            results = run_pipeline(slow_items(), worker, n_consumers=3, maxsize=2)
            times["returned"] = time.monotonic()
            assert results is not None, "run_pipeline should return the list of results, but it returned None."

        def verdict() -> str | None:
            if spy["calls"]:
                return (f"The consumers poll the queue ({', '.join(sorted(set(spy['calls'])))}). A consumer should "
                        f"block in q.get() and leave its loop when it takes a sentinel; qsize()/empty() can be stale "
                        f"the moment they return")
            lag = times.get("returned", 0) - times.get("last done", 0)
            return None if lag <= 0 else f"run_pipeline returned {lag:.2f} s after the last item was done; it should end at once"

        spy["calls"].clear()
        spy["ignored"] = set(threading.enumerate())
        return {"main": body}, verdict

    spy["watching"] = True
    try:
        found = _search(scenario, (run_pipeline,), schedule, max_runs=1, max_steps=5000)
    finally:
        spy["watching"] = False
    assert found.problem is None, (
        f"{found.report('checks.pipeline_stops_without_polling(run_pipeline, schedule={schedule})')}\n"
        f"Block in q.get() instead of looping, and stop each consumer with a sentinel."
    )


def _timed(body: Callable[[], Any], record: dict[str, Any]) -> Callable[[], None]:
    """``body`` as a thread of a run that records its result and the virtual seconds it took."""
    def run() -> None:
        started = time.monotonic()
        record["result"] = body()
        record["waited"] = time.monotonic() - started

    return run


def _no_waiting(record: dict[str, Any], what: str) -> str | None:
    if record.get("waited", 0) > 0:
        return (f"{what} took {record['waited']:g} s although nothing in it sleeps: a thread that had work "
                f"waited for a timeout instead of being woken (a lost wake-up, or a loop that polls)")
    return None


def pipeline_works_in_every_schedule(run_pipeline: Callable[..., Any], n_consumers: int = 2, maxsize: int = 1,
                                     items: tuple[Any, ...] = (0, None, 1, 2), schedule: list[str] | None = None) -> None:
    """Search the interleavings of a small pipeline: every schedule processes every item, none waits or hangs."""
    items = list(items)

    def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
        record: dict[str, Any] = {}

        def verdict() -> str | None:
            got = record.get("result")
            if got is None or sorted(map(_key, got)) != sorted(map(_key, items)):
                return f"run_pipeline({items}, ...) returned {got}, not one result per item"
            if record["alive"]:
                return f"run_pipeline returned while threads it started were still running ({', '.join(record['alive'])})"
            return _no_waiting(record, "run_pipeline")

        def body() -> list[Any]:
            before = set(threading.enumerate())
            results = list(run_pipeline(list(items), lambda x: x, n_consumers=n_consumers, maxsize=maxsize))
            record["alive"] = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
            return results

        return {"main": _timed(body, record)}, verdict

    found = _search(scenario, (run_pipeline,), schedule, max_runs=80)
    replay = (f"checks.pipeline_works_in_every_schedule(run_pipeline, n_consumers={n_consumers}, maxsize={maxsize}, "
              f"items={tuple(items)}, schedule={{schedule}})")
    assert found.problem is None, f"{found.report(replay)}\nBlock in q.get() and stop at a sentinel, one per consumer."


class WorkerFailed(Exception):
    """What the failing worker of pipeline_survives_a_failing_worker raises."""


def _failing_worker(run_pipeline: Callable[..., Any], n_consumers: int, maxsize: int, schedule: list[str] | None,
                    runs: int, prompt: bool) -> interleave.Outcome:
    """Search ``runs`` schedules of run_pipeline over 20 items whose worker raises on item 3; with ``prompt``, the
    producer must also stop taking items once the failure is recorded."""
    failing = 3

    def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
        record: dict[str, Any] = {"drawn": 0}
        failure = WorkerFailed(f"worker failed on item {failing}")

        def items() -> Iterator[int]:
            for i in range(20):
                record["drawn"] += 1
                yield i

        def worker(item: int) -> int:
            if item == failing:
                record["drawn at failure"] = record["drawn"]
                raise failure
            return item

        def body() -> None:
            before = set(threading.enumerate())
            try:
                record["returned"] = run_pipeline(items(), worker, n_consumers=n_consumers, maxsize=maxsize)
            except BaseException as exc:  # noqa: BLE001 -- the verdict says what was raised
                record["raised"] = exc
            record["alive"] = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]

        def verdict() -> str | None:
            raised = record.get("raised")
            if raised is not failure:
                got = f"raised {raised!r}" if "raised" in record else f"returned {record.get('returned')!r}"
                return f"worker raised {failure!r} on item {failing}, but run_pipeline {got} instead of re-raising it"
            if record["alive"]:
                return f"run_pipeline raised while threads it started were still running ({', '.join(record['alive'])})"
            later, allowed = record["drawn"] - record["drawn at failure"], maxsize + n_consumers + 1
            return None if not prompt or later <= allowed else (
                f"after the worker failed, the producer took {later} more of the 20 items (at most {allowed} may "
                f"already be on their way): stop taking items once a worker has failed")

        return {"main": body}, verdict

    return _search(scenario, (run_pipeline,), schedule, max_runs=runs)


def pipeline_survives_a_failing_worker(run_pipeline: Callable[..., Any], n_consumers: int = 2, maxsize: int = 1,
                                       schedule: list[str] | None = None) -> None:
    """A worker call that raises: run_pipeline stops taking items, ends every thread, and re-raises it.

    Searched under the scheduler, so a consumer that dies and leaves the producer blocked on a full
    queue is an exact deadlock, and a thread still running when run_pipeline raises is seen at once. How
    soon the producer stops is judged on the default schedule only (no preemption): in others a consumer
    may be held between the worker's raise and recording it, while the producer goes on for a while.
    """
    replay = (f"checks.pipeline_survives_a_failing_worker(run_pipeline, n_consumers={n_consumers}, maxsize={maxsize}, "
              f"schedule={{schedule}})")
    plans = ((1, True), (20, False)) if schedule is None else ((1, not schedule),)  # [] is the default schedule
    for runs, prompt in plans:
        found = _failing_worker(run_pipeline, n_consumers, maxsize, schedule, runs, prompt)
        assert found.problem is None, (
            f"{found.report(replay)}\nCatch the worker's exception in the consumer, remember it, keep taking items "
            f"until the sentinel (so that the producer is never left blocked on a full queue) without calling "
            f"worker again, let the producer stop early, join every thread, then raise the exception."
        )


# --------------------------------------------------------------------------- Exercise: ThreadPool

def _pool(ThreadPool: type, max_workers: int) -> Any:
    return call_within(SECONDS, ThreadPool, max_workers)


def _shutdown(pool: Any) -> None:
    call_within(SECONDS, pool.shutdown, wait=True)


def _result_honours_timeout(pool: Any) -> None:
    """result(timeout=0.1) of a task that is still running raises TimeoutError instead of waiting on."""
    gate = threading.Event()
    waiting = pool.submit(gate.wait)
    try:
        call_within(SECONDS, waiting.result, timeout=0.1)
    except TimeoutError:
        pass
    else:
        raise AssertionError("result(timeout=0.1) of a task still running should raise TimeoutError.")
    finally:
        gate.set()
    assert call_within(SECONDS, waiting.result) is True, "result() of a finished task should be its return value."


def _map_raises_in_input_order(pool: Any) -> None:
    """map raises the exception of the first item, in input order, whose call raised: here item 1, which
    fails after item 2 has failed."""
    def task(i: int) -> int:
        if i == 1:
            time.sleep(0.05)
        if i in (1, 2):
            raise KeyError(f"item {i}")
        return i

    try:
        call_within(SECONDS, lambda: list(pool.map(task, range(4))))
    except KeyError as error:
        assert error.args == ("item 1",), (
            f"map raised {error!r}, but the first item in input order whose call raised is item 1 (item 2 failed "
            f"earlier in time): map should raise as result() of the futures in input order does.")
    else:
        raise AssertionError("map(fn, items) should raise the exception of an item whose call raised.")


@_on_virtual_time
def pool_returns_results(ThreadPool: type) -> None:
    """submit().result() gives the value or re-raises; map keeps the input order."""
    with no_leftover_threads():
        pool = _pool(ThreadPool, 3)
        try:
            future = pool.submit(pow, 2, 10)
            assert call_within(SECONDS, future.result) == 1024, "submit(pow, 2, 10).result() should be 1024."
            kw = pool.submit(int, "ff", base=16)
            assert call_within(SECONDS, kw.result) == 255, "submit must pass keyword arguments to the task."
            failing = pool.submit(int, "not a number")
            try:
                call_within(SECONDS, failing.result)
            except ValueError:
                pass
            else:
                raise AssertionError("result() of a task that raised ValueError should re-raise that ValueError.")
            _result_honours_timeout(pool)
            _map_raises_in_input_order(pool)
            numbers = list(range(20))
            mapped = call_within(SECONDS, lambda: list(pool.map(lambda x: (time.sleep(0.001 * (x % 3)), x * x)[1], numbers)))
            assert mapped == [x * x for x in numbers], f"map(f, items) should give results in input order, got {mapped}."
        finally:
            _shutdown(pool)


@_on_virtual_time
def pool_respects_max_workers(ThreadPool: type, max_workers: int = 3) -> None:
    """Blocking tasks overlap up to max_workers, and never more run at once."""
    together = threading.Barrier(max_workers, timeout=2)
    state = {"running": 0, "peak": 0, "alone": 0}
    lock = threading.Lock()

    def task() -> None:
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
        try:
            together.wait()
        except threading.BrokenBarrierError:
            with lock:
                state["alone"] += 1
        time.sleep(0.02)
        with lock:
            state["running"] -= 1

    with no_leftover_threads():
        pool = _pool(ThreadPool, max_workers)
        try:
            futures = [pool.submit(task) for _ in range(3 * max_workers)]
            for f in futures:
                call_within(SECONDS, f.result)
        finally:
            _shutdown(pool)
    assert state["peak"] <= max_workers, (
        f"ThreadPool({max_workers}) ran {state['peak']} tasks at once; it must never run more than max_workers."
    )
    assert not state["alone"], (
        f"ThreadPool({max_workers}) did not run {max_workers} blocking tasks at the same time: the workers "
        f"must take tasks concurrently (does a worker hold a lock while it runs a task?)."
    )


@_on_virtual_time
def pool_reuses_its_workers(ThreadPool: type, max_workers: int = 2) -> None:
    """Tasks run on at most max_workers threads, owned by the pool, that survive a failing task."""
    seen: set[threading.Thread] = set()
    runners: set[str] = set()  # modules whose code started the threads the tasks ran on
    lock = threading.Lock()

    def where() -> threading.Thread:
        thread = threading.current_thread()
        with lock:
            seen.add(thread)
            runners.add(getattr(getattr(thread, "_target", None), "__module__", None) or "")
        return thread

    def boom() -> None:
        raise KeyError("task failure")

    with no_leftover_threads():
        pool = _pool(ThreadPool, max_workers)
        try:
            for f in [pool.submit(boom) for _ in range(max_workers)]:
                with contextlib.suppress(KeyError):
                    call_within(SECONDS, f.result)
            for f in [pool.submit(where) for _ in range(20)]:
                call_within(SECONDS, f.result)
        finally:
            _shutdown(pool)
    assert not runners & {"concurrent.futures.thread", "multiprocessing.pool"}, (
        "The tasks ran on threads of concurrent.futures.ThreadPoolExecutor (or multiprocessing's pool): "
        "the exercise is to build the pool yourself from threading.Thread and queue.Queue."
    )
    assert threading.current_thread() not in seen, "Tasks must run on the pool's worker threads, not on the caller's."
    assert len(seen) <= max_workers, (
        f"22 tasks on ThreadPool({max_workers}) ran on {len(seen)} different threads: start max_workers "
        f"worker threads once and let each take task after task from a queue (and keep a worker alive "
        f"when its task raises: catch the exception and store it for result())."
    )


def pool_idles_without_burning_cpu(ThreadPool: type, schedule: list[str] | None = None) -> None:
    """An idle pool's workers block: while the caller sleeps 0.5 s (virtual time), they take no step.

    Under the scheduler a spinning worker never stops taking steps (it fails as a busy loop), and one
    that polls with short sleeps takes steps at every wake-up; a worker blocked in get() or wait() takes none.
    """
    def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
        record: dict[str, int] = {}

        def body() -> None:
            pool = ThreadPool(2)
            try:
                pool.submit(abs, -1).result()
                time.sleep(0.1)  # every worker has run up to its first wait
                before = interleave.steps_so_far()
                time.sleep(0.5)
                record["idle steps"] = interleave.steps_so_far() - before - 2  # the sleep's own two steps
            finally:
                pool.shutdown(wait=True)

        def verdict() -> str | None:
            taken = record.get("idle steps", 0)
            return None if taken <= 0 else f"while the pool sat idle for 0.5 s its workers took {taken} steps"

        return {"main": body}, verdict

    found = _search(scenario, (ThreadPool,), schedule, max_runs=1, max_steps=5000)
    replay = "checks.pool_idles_without_burning_cpu(ThreadPool, schedule={schedule})"
    assert found.problem is None, (
        f"An idle ThreadPool(2) kept its workers busy. {found.report(replay)}"
        f"\nLet idle workers block in queue.get() (or Condition.wait()), without a timeout."
    )


@_on_virtual_time
def pool_shuts_down_cleanly(ThreadPool: type) -> None:
    """shutdown(wait=True) runs every submitted task and ends every worker; submit afterwards raises."""
    done: list[int] = []
    workers: set[threading.Thread] = set()

    def slow(i: int) -> None:
        workers.add(threading.current_thread())
        time.sleep(0.05)
        done.append(i)

    with no_leftover_threads(grace=0):
        pool = _pool(ThreadPool, 2)
        for i in range(6):
            pool.submit(slow, i)
        _shutdown(pool)
        assert sorted(done) == list(range(6)), (
            f"shutdown(wait=True) returned after {len(done)} of 6 submitted tasks had run; it must wait for all."
        )
        still = [t.name for t in workers if t.is_alive()]
        assert not still, f"shutdown(wait=True) returned while workers {still} were still running; join them."
        try:
            pool.submit(abs, -1)
        except RuntimeError:
            pass
        else:
            raise AssertionError("submit() after shutdown() should raise RuntimeError.")


@_on_virtual_time
def pool_shutdown_without_waiting(ThreadPool: type) -> None:
    """shutdown(wait=False) returns at once, yet every task already submitted still runs; a second
    shutdown() waits for them and for the workers; submit after shutdown raises RuntimeError."""
    gate = threading.Event()
    workers: set[threading.Thread] = set()

    def task(i: int) -> int:
        workers.add(threading.current_thread())
        gate.wait()
        return i

    with no_leftover_threads(grace=0):
        pool = _pool(ThreadPool, 2)
        try:
            futures = [pool.submit(task, i) for i in range(3)]  # 2 running, 1 queued, all held at the gate
            started = time.monotonic()
            call_within(SECONDS, pool.shutdown, wait=False)
            assert time.monotonic() == started, (
                "shutdown(wait=False) waited: it should stop the pool taking new tasks and return at once.")
            with contextlib.suppress(RuntimeError):
                pool.submit(abs, -1)
                raise AssertionError("submit() after shutdown(wait=False) should raise RuntimeError.")
            second = threading.Thread(target=pool.shutdown, name="second shutdown()", daemon=True)
            second.start()
            time.sleep(0.1)
            assert second.is_alive(), (
                "A second shutdown() (wait=True) returned while tasks were still running: it should wait for "
                "them and for the workers, whether or not shutdown was called before.")
        finally:
            gate.set()
        second.join(SECONDS)
        got = [call_within(SECONDS, f.result) for f in futures]
        assert got == [0, 1, 2], f"After shutdown(wait=False) the 3 tasks submitted before it should still run, got {got}."
        still = [t.name for t in workers if t.is_alive()]
        assert not still, f"A second shutdown() returned while workers {still} were still running; join them."
        call_within(SECONDS, pool.shutdown, wait=True)  # a third call: nothing to do, and no error


@_on_virtual_time
def pool_is_a_context_manager(ThreadPool: type) -> None:
    """`with ThreadPool(n) as pool:` returns the pool and shuts it down, waiting, at the end."""
    done: list[int] = []
    with no_leftover_threads(grace=0):

        def use() -> None:
            with ThreadPool(2) as pool:
                assert pool is not None, "__enter__ should return the pool itself."
                for i in range(4):
                    pool.submit(lambda i=i: (time.sleep(0.03), done.append(i)))

        call_within(SECONDS, use)
    assert sorted(done) == [0, 1, 2, 3], "Leaving the with block should wait for all submitted tasks."


def pool_works_in_every_schedule(ThreadPool: type, max_workers: int = 2, tasks: int = 3,
                                 schedule: list[str] | None = None) -> None:
    """Search the interleavings of submit, result and shutdown: every schedule gives every result at once.

    A worker that checks for work without holding the lock can miss the notify of a submit() that comes
    between its check and its wait (a lost wake-up): then it hangs (a deadlock here) or, with a timeout,
    waits for nothing, which shows as (virtual) time passing.
    """
    def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
        record: dict[str, Any] = {}

        def body() -> list[Any]:
            pool = ThreadPool(max_workers)
            futures = [pool.submit(pow, 2, i) for i in range(tasks)]
            results = [f.result() for f in futures]
            pool.shutdown(wait=True)
            return results

        def verdict() -> str | None:
            want = [2 ** i for i in range(tasks)]
            if record.get("result") != want:
                return f"the results were {record.get('result')}, not {want}"
            return _no_waiting(record, f"submitting {tasks} tasks, taking their results and shutting down")

        return {"main": _timed(body, record)}, verdict

    found = _search(scenario, (ThreadPool,), schedule, max_runs=80)
    replay = f"checks.pool_works_in_every_schedule(ThreadPool, max_workers={max_workers}, tasks={tasks}, schedule={{schedule}})"
    assert found.problem is None, (
        f"{found.report(replay)}\nCheck for work and wait for it under the same lock (`with cond: "
        f"cond.wait_for(lambda: jobs or closed)`), or block in queue.Queue.get()."
    )


# --------------------------------------------------------------------------- Exercise: transfer

class _AuditedAccount(Account):
    """An Account whose balance may only change while the changing thread holds two account locks."""

    violations: list[str]

    @property  # type: ignore[override]
    def balance(self) -> int:
        return self._balance

    @balance.setter
    def balance(self, value: int) -> None:
        held = locks_held()
        if hasattr(self, "_balance") and (self.lock not in held or len(held) < 2):
            self.violations.append(f"{threading.current_thread().name} changed account {self.number} holding {held}")
        self._balance = value


def _accounts(numbers: tuple[int, ...] = (0, 1), give_up_after: float | None = 2.0,
              balance: int = 100) -> list[_AuditedAccount]:
    """Audited accounts with these ``numbers``, each holding ``balance``, with watched locks (that give up
    after ``give_up_after`` s, if set)."""
    violations: list[str] = []
    accounts = []
    for number in numbers:
        lock = WatchedLock(f"account {number}'s lock", give_up_after=give_up_after)
        account = _AuditedAccount(number, balance, lock)
        account.violations = violations
        accounts.append(account)
    return accounts


def _opposite_transfers(transfer: Callable[..., Any], accounts: list[_AuditedAccount], rounds: int) -> list[BaseException]:
    a, b = accounts[0], accounts[1]
    directions = iter([(a, b), (b, a)])
    lock = threading.Lock()

    def work() -> None:
        with lock:
            source, target = next(directions)
        for _ in range(rounds):
            transfer(source, target, 7)

    return _run_threads(work, 2)


@_on_virtual_time
def transfer_moves_money_atomically(transfer: Callable[..., Any]) -> None:
    """Money is conserved and balances change only while both accounts' locks are held."""
    with no_leftover_threads():
        accounts = _accounts()
        call_within(SECONDS, transfer, accounts[0], accounts[1], 30)
        assert (accounts[0].balance, accounts[1].balance) == (70, 130), (
            f"transfer(a, b, 30) from 100/100 should leave 70/130, got {accounts[0].balance}/{accounts[1].balance}."
        )
        accounts = _accounts()
        errors = _opposite_transfers(transfer, accounts, rounds=50)
    assert not errors, f"transfer raised {errors[0]!r}."
    total = sum(acc.balance for acc in accounts)
    assert total == 200, f"After concurrent transfers the total is {total}, not 200: money was created or lost."
    balances = [acc.balance for acc in accounts]
    assert balances == [100, 100], (
        f"50 transfers of 7 each way should leave 100/100, got {balances[0]}/{balances[1]}: a transfer was lost "
        f"(read the balances only while holding both locks)."
    )
    violations = accounts[0].violations
    assert not violations, (
        "A balance changed while its thread did not hold BOTH accounts' locks "
        f"({violations[0]}). Take both locks, then move the money, then release them."
    )


@_on_virtual_time
def transfer_to_itself_is_refused(transfer: Callable[..., Any]) -> None:
    """transfer(a, a, amount) raises ValueError at once and leaves the balance as it was (no self-deadlock)."""
    (account,) = _accounts((0,))
    try:
        call_within(SECONDS, transfer, account, account, 30)
    except ValueError:
        pass
    except DeadlockSuspected:
        raise AssertionError("transfer(a, a, 30) waited for a's lock while it already held it, forever: a Lock "
                             "cannot be taken twice. Raise ValueError when source is target.") from None
    else:
        raise AssertionError(f"transfer(a, a, 30) should raise ValueError (an account cannot pay itself); it returned "
                             f"and left the balance at {account.balance}.")
    assert account.balance == 100, f"transfer(a, a, 30) raised, but changed the balance from 100 to {account.balance}."


def transfer_never_deadlocks(transfer: Callable[..., Any], rounds: int = 2, numbers: tuple[int, int] = (0, 1),
                             amounts: tuple[int, int] = (7, 7), schedule: list[str] | None = None) -> None:
    """Search the interleavings of two threads transferring in opposite directions: none may deadlock.

    One thread moves ``amounts[0]`` from the account numbered ``numbers[0]`` to the one numbered
    ``numbers[1]``, the other ``amounts[1]`` back, ``rounds`` times each. The scheduler may switch threads
    after every lock operation and every line of ``transfer``; a deadlock is a state where no thread can
    go on, reported with its cycle of threads and locks. Other numbers and amounts than the visible
    check's catch an order that is not one global order (a key two accounts share, a rule by amount).
    """
    start = 1000

    def scenario() -> tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]:
        a, b = _accounts(numbers, give_up_after=None, balance=start)

        def move(source: _AuditedAccount, target: _AuditedAccount, amount: int) -> Callable[[], None]:
            return lambda: [transfer(source, target, amount) for _ in range(rounds)] and None

        def verdict() -> str | None:
            balances = (a.balance, b.balance)
            flow = rounds * (amounts[1] - amounts[0])
            want = (start + flow, start - flow)
            return None if balances == want else (
                f"{rounds} transfer(s) of {amounts[0]} one way and of {amounts[1]} the other left "
                f"{balances[0]}/{balances[1]}, not {want[0]}/{want[1]}: money was created, lost, or a transfer undone")

        first, second = (f"account {n}" for n in numbers)
        return {f"transfer {first}→{second}": move(a, b, amounts[0]),
                f"transfer {second}→{first}": move(b, a, amounts[1])}, verdict

    found = _search(scenario, (transfer,), schedule, max_runs=200)
    replay = (f"checks.transfer_never_deadlocks(transfer, rounds={rounds}, numbers={numbers}, amounts={amounts}, "
              f"schedule={{schedule}})")
    deadlock = (found.problem or "").startswith("Deadlock")
    assert not deadlock, (
        f"{found.report(replay)}\nOne thread locked one account and then waited for the other, while the "
        f"other thread did the same the other way round. Take the two locks in one global order: the same "
        f"for every pair of accounts and every amount, by a key that no two accounts share."
    )
    assert found.problem is None, found.report(replay)


# Checkpoints

def schedule_breaks_withdrawals(answer: Any) -> None:
    """Checkpoint 4.2: replaying ``answer`` on course.scheduler_game.WITHDRAWALS must end with a balance below 0.

    The replay is the game's own stepping (``scheduler_game.replay``), so the verdict is the one the learner
    sees when playing the same schedule, on every run.
    """
    from course import scheduler_game  # the checkpoints' own import: the exercises' checks above do not need it

    try:
        game = scheduler_game.replay(scheduler_game.WITHDRAWALS, answer)
    except ValueError as error:
        raise AssertionError(f"answer = {answer!r}: {error}.") from None
    played = " · ".join(f"{thread}: {did}" for thread, did in game.events)
    assert game.broken(), (
        f"Your schedule ran {played}, and the balance ended at {game.shared['balance']}, which is allowed. "
        f"A withdrawal can only overdraw if its check saw a balance that another withdrawal was about to use up."
    )
