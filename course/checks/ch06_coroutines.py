"""Checks for the exercises of Chapter 6 (coroutines): Scheduler, fetch_all, run_async_pipeline.

The scheduler runs in a thread under a time bound (course.bounded), compared step by step with the
course's reference ``course.coroutines.Scheduler``. The asyncio checks are coroutines that a test cell
awaits: each runs the student's coroutine in a task of its own for a bounded time, shows where every
task waits if the time runs out, and fails if a task or thread it started is still running once it
has returned. Timing is judged as a ratio to the ideal time of the check's own fake I/O, never in
absolute seconds.
"""
from __future__ import annotations

import asyncio
import collections
import heapq
import inspect
import threading
import traceback
from collections.abc import Callable, Generator, Iterator
from typing import Any

from course.bounded import TookTooLong, call_own_work, thread_stacks
from course.coroutines import Scheduler as ReferenceScheduler

SECONDS = 5  # bound on any one call into student code
PIPELINE_SECONDS = 2  # every pipeline check needs well under 0.5 s; a stuck pipeline should fail fast
GRACE = 0.5  # how long tasks and threads started by a call may take to end after it returned


class LeftoverTasks(AssertionError):
    """Tasks or threads started by the checked coroutine were still running after it returned."""


# --------------------------------------------------------------------------- asyncio bounds

def _task_stacks(tasks: list[asyncio.Task]) -> str:
    """Where each task waits: the innermost lines of its ``get_stack()``."""
    blocks = []
    for task in tasks:
        lines = traceback.format_list(traceback.StackSummary.extract((f, f.f_lineno) for f in task.get_stack()))
        blocks.append(f"--- task {task.get_name()!r} waits at:\n" + ("".join(lines[-4:]).rstrip() or "(no stack)"))
    return "\n".join(blocks) if blocks else "(no task found)"


async def _cancel(tasks: list[asyncio.Task]) -> None:
    """Cancel ``tasks`` and give them a moment to end, so that a failed check leaves nothing behind."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=1)


def _threads_besides(before: set[threading.Thread]) -> list[threading.Thread]:
    """Live threads that were not there before, except the event loop's idle to_thread workers."""
    return [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.name.startswith("asyncio_")]


async def _require_nothing_left(name: str, tasks_before: set[asyncio.Task], threads_before: set[threading.Thread]) -> None:
    """Fail if tasks or threads started during the call are still running ``GRACE`` seconds after it."""
    tasks = list(asyncio.all_tasks() - tasks_before)
    if tasks:
        await asyncio.wait(tasks, timeout=GRACE)
    tasks = [t for t in tasks if not t.done()]
    if tasks:
        where = _task_stacks(tasks)
        await _cancel(tasks)
        raise LeftoverTasks(
            f"{name} returned while {len(tasks)} task(s) it started were still running. Before returning, "
            f"wait for every task you created or cancel it (an `async with asyncio.TaskGroup()` block does "
            f"both for you).\nWhere they were waiting:\n{where}"
        )
    for _ in range(int(GRACE / 0.05)):
        if not _threads_besides(threads_before):
            return
        await asyncio.sleep(0.05)
    threads = _threads_besides(threads_before)
    raise LeftoverTasks(
        f"{name} returned while {len(threads)} thread(s) it started were still running; make them end "
        f"before it returns.\nWhere they are:\n{thread_stacks(threads)}"
    )


async def _await_within(seconds: float, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await ``fn(*args, **kwargs)`` for at most ``seconds``; then require that it left nothing running.

    The call runs in a task of its own and is awaited with ``asyncio.wait``, not inside an
    ``asyncio.timeout`` block around the check itself: a coroutine that swallows CancelledError would keep
    that block waiting for ever, and a TaskGroup that cancels its parent would cancel the check.

    Raises:
        TookTooLong: with the place where every task started meanwhile is waiting.
        LeftoverTasks: if tasks or threads it started were still running after it returned.
    """
    name = getattr(fn, "__name__", repr(fn))
    if not inspect.iscoroutinefunction(fn):
        raise AssertionError(f"{name} should be a coroutine function: define it with `async def {name}(...)`.")
    tasks_before, threads_before = asyncio.all_tasks(), set(threading.enumerate())
    call = asyncio.create_task(fn(*args, **kwargs), name=f"checked call of {name}")
    await asyncio.wait({call}, timeout=seconds)
    if not call.done():
        stuck = [t for t in asyncio.all_tasks() - tasks_before if not t.done()]
        where = _task_stacks(stuck)
        await _cancel(stuck)
        raise TookTooLong(
            f"{name}(...) did not finish within {seconds:g} s: some task waits for something that never "
            f"happens (a get() on a queue nobody puts to any more, a put() on a full queue nobody reads, "
            f"a missing sentinel, or a task that waits for a dead one).\nWhere each task waits:\n{where}"
        )
    try:
        if call.cancelled():
            raise AssertionError(f"{name}(...) was cancelled: it must not cancel the task that awaits it.")
        return call.result()
    finally:
        await _require_nothing_left(name, tasks_before, threads_before)


# --------------------------------------------------------------------------- Exercise: Scheduler

TaskFactory = Callable[[list[str]], Generator[Any, Any, int]]


def _task(name: str, steps: int, spawns: dict[int, TaskFactory] | None = None) -> TaskFactory:
    """A task that logs each step it runs and returns ``steps``; at a step in ``spawns`` it yields a child
    task instead of None, and logs the id the scheduler sent back."""

    def make(log: list[str]) -> Generator[Any, Any, int]:
        for step in range(steps):
            log.append(f"{name}{step}")
            if step in (spawns or {}):
                child_id = yield spawns[step](log)
                log.append(f"{name} got {child_id}")
            else:
                yield
        return steps

    return make


def _schedule(Scheduler: type, factories: list[TaskFactory]) -> tuple[list[Any], list[str], Any]:
    """Spawn a fresh task from each factory, run the scheduler; return (spawn ids, log, run's result)."""
    log: list[str] = []
    scheduler = Scheduler()
    ids = [scheduler.spawn(make(log)) for make in factories]
    return ids, log, scheduler.run()


def _compare(Scheduler: type, factories: list[TaskFactory], described: str, hint: str) -> None:
    """Run the same tasks on the student's and the reference scheduler; the logs and results must match."""
    forbidden = [ReferenceScheduler.spawn, ReferenceScheduler.run]
    ids, log, results = call_own_work(SECONDS, forbidden, _schedule, Scheduler, factories)
    want_ids, want_log, want_results = _schedule(ReferenceScheduler, factories)
    if log != want_log:
        at = next((i for i, (a, b) in enumerate(zip(log, want_log)) if a != b), min(len(log), len(want_log)))
        raise AssertionError(
            f"With {described}, the steps ran in the order {' '.join(log)} but round robin gives "
            f"{' '.join(want_log)} (they differ from position {at}). {hint}"
        )
    assert ids == want_ids, f"spawn() should return the ids 0, 1, 2, … in spawn order; with {described} it returned {ids}."
    shown = dict(sorted(results.items())) if isinstance(results, dict) else results
    assert isinstance(results, dict) and results == want_results, (
        f"With {described}, run() should return {dict(sorted(want_results.items()))} (task id: the value the "
        f"task returned, taken from StopIteration.value), but it returned {shown!r}."
    )


def scheduler_interleaves(Scheduler: type) -> None:
    """Two tasks of three steps take turns: A0 B0 A1 B1 A2 B2."""
    _compare(Scheduler, [_task("A", 3), _task("B", 3)], "tasks A and B of 3 steps each",
             "Resume one task for one step, then put it at the back of the queue (a collections.deque: "
             "popleft(), then append()).")


def scheduler_interleaves_uneven(Scheduler: type) -> None:
    """Tasks of 1, 4, 0 and 2 steps: the ones that finish leave the rotation, the others keep their turns."""
    _compare(Scheduler, [_task("A", 1), _task("B", 4), _task("C", 0), _task("D", 2)],
             "tasks A, B, C, D of 1, 4, 0 and 2 steps",
             "A task that ends (StopIteration) leaves the queue; every other task keeps its place. Do not "
             "remove items from a list while a for loop runs over it.")


def scheduler_returns_results(Scheduler: type) -> None:
    """spawn() returns 0, 1, 2, …; run() returns {id: return value}, falsy values too; an empty run gives {}."""
    _compare(Scheduler, [_task("A", 2), _task("B", 0), _task("C", 1)], "tasks A, B, C of 2, 0 and 1 steps",
             "Every task ends, so each must get its turns until its StopIteration.")
    ids, log, results = call_own_work(SECONDS, [ReferenceScheduler.run], _schedule, Scheduler, [])
    assert results == {} and isinstance(results, dict), f"run() with no task spawned should return {{}}, not {results!r}."


def scheduler_runs_spawned_tasks(Scheduler: type) -> None:
    """A task that yields a generator spawns it: the child joins the queue, the parent gets its id."""
    grandchild = _task("Y", 2)
    child = _task("X", 3, spawns={1: grandchild})
    _compare(Scheduler, [_task("A", 2, spawns={0: child}), _task("B", 3)],
             "A spawning X at its first step (X spawns Y at its second), and B",
             "When a task yields a generator, spawn() it (it joins the back of the queue), then put the "
             "parent behind it and, on the parent's next turn, send() it the new id (next() would send None).")


# --------------------------------------------------------------------------- Exercise: fetch_all

class FakeFetch:
    """An async ``fetch(url)`` whose reply takes a known time per url, that watches how it is called."""

    def __init__(self, delays: dict[str, float]) -> None:
        self.delays = delays
        self.in_flight = 0
        self.peak = 0
        self.cancelled: list[str] = []

    async def __call__(self, url: str) -> str:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delays[url])
            return f"page of {url}"
        except asyncio.CancelledError:
            self.cancelled.append(url)
            raise
        finally:
            self.in_flight -= 1

    def ideal_seconds(self, urls: list[str], limit: int, timeout: float) -> float:
        """The shortest total time: each call starts, in order, as soon as one of ``limit`` slots is free."""
        slots = [0.0] * limit
        for url in urls:
            heapq.heappush(slots, heapq.heappop(slots) + min(self.delays[url], timeout))
        return max(slots)


def _urls(*delays: float) -> dict[str, float]:
    return {f"u{i}": seconds for i, seconds in enumerate(delays)}


async def _fetch_all(fetch_all: Callable[..., Any], delays: dict[str, float], limit: int,
                     timeout: float = 1.0) -> tuple[list[Any], FakeFetch, float]:
    """Call the student's fetch_all on a fresh FakeFetch; return (results as a list, the fake, seconds)."""
    fake = FakeFetch(delays)
    loop = asyncio.get_running_loop()
    began = loop.time()
    results = await _await_within(SECONDS, fetch_all, list(delays), fake, limit=limit, timeout=timeout)
    took = loop.time() - began
    assert results is not None, "fetch_all should return the list of results, but it returned None."
    return list(results), fake, took


async def fetch_all_returns_pages_in_order(fetch_all: Callable[..., Any]) -> None:
    """The results come back in the order of the urls, whatever order the fetches finish in."""
    delays = _urls(0.05, 0.01, 0.03, 0.0, 0.02)
    results, _, _ = await _fetch_all(fetch_all, delays, limit=5)
    want = [f"page of {url}" for url in delays]
    assert results == want, (
        f"fetch_all should return [fetch(url) for each url] in the order of the urls: expected {want}, got "
        f"{results}. asyncio.gather keeps the order of its arguments; asyncio.as_completed does not."
    )


async def fetch_all_respects_limit(fetch_all: Callable[..., Any], limit: int = 3, urls: int = 10) -> None:
    """Never more than ``limit`` fetches in flight, and ``limit`` of them do run at once."""
    _, fake, _ = await _fetch_all(fetch_all, _urls(*[0.02] * urls), limit=limit)
    assert fake.peak <= limit, (
        f"With limit={limit}, {fake.peak} fetches were in flight at once. Hold an asyncio.Semaphore(limit) "
        f"around each `await fetch(url)` (or run just `limit` worker tasks)."
    )
    assert fake.peak == limit, (
        f"With limit={limit} and {urls} urls, only {fake.peak} fetch(es) ever ran at once: start the fetches "
        f"as tasks (gather, a TaskGroup, or {limit} workers) instead of awaiting them one after another."
    )


async def fetch_all_keeps_slots_busy(fetch_all: Callable[..., Any], limit: int = 3) -> None:
    """A new fetch starts as soon as any slot frees: the total time stays near the ideal."""
    delays = _urls(*[0.12, 0.02, 0.02] * 4)
    results, fake, took = await _fetch_all(fetch_all, delays, limit=limit)
    ideal = fake.ideal_seconds(list(delays), limit, timeout=1.0)
    ratio = took / ideal
    assert ratio < 1.4, (
        f"With limit={limit}, the fetches took {ratio:.1f} times the ideal time (a new fetch starting the moment "
        f"any of the {limit} running ones finishes). Do not wait for a whole batch of {limit} to finish before "
        f"starting the next: let a Semaphore (or {limit} workers taking urls from a queue) start each one."
    )


async def fetch_all_reports_timeouts(fetch_all: Callable[..., Any]) -> None:
    """A fetch slower than ``timeout`` is cancelled and reported as a TimeoutError in its place, not raised;
    the timeout counts from the start of that fetch, not from the time it waited for a slot."""
    delays = {"fast": 0.01, "stuck": 3.0, "also fast": 0.02}
    try:
        results, fake, _ = await _fetch_all(fetch_all, delays, limit=2, timeout=0.1)
    except TimeoutError as error:
        raise AssertionError(
            f"fetch_all raised {error!r}: catch the TimeoutError of a slow fetch and put the exception object "
            f"in that url's place in the results instead."
        ) from None
    assert len(results) == 3 and isinstance(results[1], TimeoutError), (
        f"The fetch of 'stuck' takes 3 s and timeout=0.1: its result should be a TimeoutError instance, but the "
        f"results were {results!r}."
    )
    assert results[0::2] == ["page of fast", "page of also fast"], f"The other urls should still give their pages: {results!r}."
    assert fake.cancelled == ["stuck"], "The fetch that timed out should have been cancelled (asyncio.timeout and wait_for do that)."
    queued = _urls(*[0.06] * 4)
    results, _, _ = await _fetch_all(fetch_all, queued, limit=1, timeout=0.1)
    late = [url for url, result in zip(queued, results) if isinstance(result, TimeoutError)]
    assert not late, (
        f"With limit=1, each fetch takes 0.06 s and timeout=0.1, yet {late} were reported as timed out: the "
        f"timeout included the time spent waiting for a free slot. Start the timeout after acquiring the "
        f"semaphore, around the fetch alone."
    )


# --------------------------------------------------------------------------- Exercise: run_async_pipeline

def _key(item: Any) -> tuple[str, str]:
    """A sortable identity for any item (0, False and None must stay distinct)."""
    return (type(item).__name__, repr(item))


async def _pipeline(run_async_pipeline: Callable[..., Any], items: Any, worker: Callable[..., Any],
                    n_consumers: int, maxsize: int) -> list[Any]:
    results = await _await_within(PIPELINE_SECONDS, run_async_pipeline, items, worker,
                                  n_consumers=n_consumers, maxsize=maxsize)
    assert results is not None, "run_async_pipeline should return the list of results, but it returned None."
    return list(results)


async def pipeline_processes_every_item_once(run_async_pipeline: Callable[..., Any]) -> None:
    """Every item, falsy ones included, is processed exactly once, from a list and from a generator."""
    items = [0, None, "", False, 0.0, (), "x", 1, 1, 2] + list(range(10, 30))

    async def worker(item: Any) -> tuple[str, Any]:
        await asyncio.sleep(0)
        return ("seen", item)

    for source, label in ((lambda: list(items), "a list"), (lambda: (i for i in items), "a generator")):
        results = await _pipeline(run_async_pipeline, source(), worker, n_consumers=3, maxsize=2)
        got = collections.Counter(_key(r[1]) if isinstance(r, tuple) and len(r) == 2 else _key(r) for r in results)
        want = collections.Counter(_key(i) for i in items)
        missing, extra = want - got, got - want
        assert not missing and not extra, (
            f"With items from {label}, the results do not match one worker call per item. Missing: "
            f"{[v for _, v in missing.elements()][:5]}; unexpected or repeated: {[v for _, v in extra.elements()][:5]}. "
            f"Falsy items such as 0, None or '' are items too: stop at a unique sentinel (`STOP = object()`, "
            f"`if item is STOP`)."
        )


async def pipeline_consumers_run_concurrently(run_async_pipeline: Callable[..., Any], n_consumers: int = 3) -> None:
    """Each worker call waits until ``n_consumers`` calls are running at once."""
    together = asyncio.Barrier(n_consumers)
    alone = []

    async def worker(item: Any) -> Any:
        try:
            async with asyncio.timeout(1):
                await together.wait()
        except (TimeoutError, asyncio.BrokenBarrierError):
            alone.append(item)
            await together.abort()  # later calls give up at once instead of waiting a second each
        return item

    await _pipeline(run_async_pipeline, list(range(n_consumers)), worker, n_consumers=n_consumers, maxsize=2)
    assert not alone, (
        f"With n_consumers={n_consumers}, {n_consumers} worker calls should be running at the same time, but "
        f"they were not: start {n_consumers} consumer tasks, each taking items from the shared asyncio.Queue."
    )


async def pipeline_applies_back_pressure(run_async_pipeline: Callable[..., Any], n_consumers: int = 2, maxsize: int = 2) -> None:
    """The producer never runs more than a bounded queue's worth ahead of the consumers."""
    state = {"produced": 0, "started": 0, "worst": 0}

    def items() -> Iterator[int]:
        for i in range(30):
            state["worst"] = max(state["worst"], state["produced"] - state["started"])
            state["produced"] += 1
            yield i

    async def worker(item: int) -> int:
        state["started"] += 1
        await asyncio.sleep(0.002)
        return item

    await _pipeline(run_async_pipeline, items(), worker, n_consumers=n_consumers, maxsize=maxsize)
    allowed = maxsize + n_consumers + 1
    assert state["worst"] <= allowed, (
        f"The producer ran {state['worst']} items ahead of the workers, but an asyncio.Queue(maxsize={maxsize}) "
        f"shared with {n_consumers} consumers allows at most {allowed}. Take the items one by one and "
        f"`await queue.put(item)`: it waits while the queue is full."
    )


async def pipeline_returns_promptly(run_async_pipeline: Callable[..., Any]) -> None:
    """run_async_pipeline returns as soon as the last item is done, with no task left running."""
    loop = asyncio.get_running_loop()
    last_done = [0.0]

    async def worker(item: int) -> int:
        await asyncio.sleep(0.01)
        last_done[0] = loop.time()
        return item

    await _pipeline(run_async_pipeline, range(12), worker, n_consumers=3, maxsize=2)
    lag = loop.time() - last_done[0]
    assert lag < 0.25, (
        f"run_async_pipeline returned {lag:.2f} s after the last item was done. Tell the consumers to stop (a "
        f"sentinel each, or cancel them after `await queue.join()`) instead of letting them wait for a timeout."
    )


async def pipeline_stops_on_worker_failure(run_async_pipeline: Callable[..., Any]) -> None:
    """When a worker call raises, the pipeline raises it too (alone or in an ExceptionGroup) and leaves no task."""

    async def worker(item: int) -> int:
        await asyncio.sleep(0.02)
        if item == 3:
            raise ValueError("worker failed on item 3")
        return item

    try:
        results = await _pipeline(run_async_pipeline, range(40), worker, n_consumers=2, maxsize=2)
    except LeftoverTasks as left:
        raise LeftoverTasks(
            f"After a worker raised: {left}\nA TaskGroup cancels the other tasks when one fails; "
            f"asyncio.gather does not."
        ) from None
    except ValueError:
        return
    except ExceptionGroup as group:
        if group.subgroup(ValueError) is not None:
            return
        raise
    raise AssertionError(
        f"The worker raised ValueError on item 3, but run_async_pipeline returned {len(results)} results "
        f"instead of raising it. Let the exception propagate (a TaskGroup raises it in an ExceptionGroup)."
    )
