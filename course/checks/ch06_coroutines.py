"""Checks for the exercises of Chapter 6 (coroutines): Scheduler, fetch_all, run_async_pipeline.

The scheduler runs in a thread under a time bound (course.bounded), compared step by step with the
course's reference ``course.coroutines.Scheduler``; its tasks log every step and every non-None value a
``yield`` receives. The asyncio checks run the student's coroutine on a fresh ``VirtualTimeLoop`` in a
helper thread: its clock stands still while any task can run and jumps to the next timer when every task
waits, so the check's fake I/O takes no real time and every timing verdict is exact and the same on a
loaded machine; which task finishes first is decided by the delays the check chooses. The moment the
student's coroutine returns or raises, in the same step, the check looks at which tasks and threads it
started are still running: a task cancelled but never awaited counts as running (no grace window).

Requirements and the checks that enforce them; each one is stated in the exercise's text:

Exercise 1, Scheduler
| requirement                                                          | check                                   |
|----------------------------------------------------------------------|-----------------------------------------|
| spawn() returns 0, 1, 2, ... in spawn order                          | every _compare (ids)                    |
| spawn() only queues: no step runs before run()                       | every _compare (early steps)            |
| run() resumes the front task one step, then puts it at the back      | scheduler_interleaves(_uneven)          |
| a task that ends leaves the queue; the others keep their turns       | scheduler_interleaves_uneven            |
| run() returns {id: StopIteration.value}, None/0/False/''/() included | scheduler_returns_results               |
| run() with no task returns {}; one task alone runs to its end        | scheduler_returns_results               |
| a yielded generator is spawned (back of the queue, before the parent)| scheduler_runs_spawned_tasks            |
| the parent's next yield receives the new id; ids go on across spawns | scheduler_runs_spawned_tasks            |
| any other yielded value (None, 0, False, '', tuples, exceptions,     | scheduler_passes_turn_on_other_values   |
|   iterators, generator functions, coroutines) passes the turn and    |                                         |
|   the task receives None                                             |                                         |
| a task that raises: run() raises that very exception at once, no     | scheduler_raises_task_errors            |
|   other task runs another step                                       |                                         |

Exercise 2, fetch_all
| requirement                                                          | check                                   |
|----------------------------------------------------------------------|-----------------------------------------|
| results in the order of urls, also when fetches finish in reverse    | fetch_all_returns_pages_in_order        |
| every url is fetched, duplicates too; [] gives []; any value a fetch | fetch_all_returns_any_result            |
|   returns (None, 0, False, '', tuples, exception objects) kept as is |                                         |
| at most `limit` in flight, `limit` (or len(urls)) do run at once     | fetch_all_respects_limit                |
| a new call starts as soon as one finishes (exact loop time, for the  | fetch_all_keeps_slots_busy              |
|   order the calls started in)                                        |                                         |
| a call slower than `timeout` is cancelled; its TimeoutError stands   | fetch_all_reports_timeouts              |
|   in its place; the timeout counts from that call's start            |                                         |
| another exception from fetch is raised (alone or in an               | fetch_all_raises_other_errors           |
|   ExceptionGroup) at once, the calls in flight cancelled             |                                         |
| no task it started is still running when it returns or raises        | every check (_run_virtual)              |
| time is measured with the loop's clock                               | every check runs on a VirtualTimeLoop   |

Exercise 3, run_async_pipeline
| requirement                                                          | check                                   |
|----------------------------------------------------------------------|-----------------------------------------|
| every item once, from a list or a generator, None/0/''/False and     | pipeline_processes_every_item_once      |
|   sentinel-like items (..., 'STOP', -1, object types) included;      |                                         |
|   [] and one item; any result the worker returns is kept             |                                         |
| n_consumers worker calls run at once, never more                     | pipeline_consumers_run_concurrently     |
| items go through a Queue(maxsize): the producer waits when it's full | pipeline_applies_back_pressure          |
|   and fills it while the consumers are busy (its size is maxsize)    |                                         |
| returns as soon as the last item is done (no loop time passes)       | pipeline_returns_promptly               |
| a worker that raises: that exception is raised (alone or in an       | pipeline_stops_on_worker_failure        |
|   ExceptionGroup) at once, also on the first item and with one       |                                         |
|   consumer                                                           |                                         |
| no task it started is still running when it returns or raises        | every check (_run_virtual)              |
"""
from __future__ import annotations

import asyncio
import collections
import heapq
import inspect
import selectors
import threading
import traceback
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from course.bounded import TookTooLong, call_own_work, call_within, thread_stacks
from course.coroutines import Scheduler as ReferenceScheduler

SECONDS = 5  # bound on any one call into student code: real seconds for the scheduler, loop seconds for asyncio
REAL_SECONDS = 5  # real-time bound on an asyncio check, for code that keeps the loop busy without ever waiting
EXACT = 1e-6  # loop seconds: on a virtual clock a right answer is exactly on time


class LeftoverTasks(AssertionError):
    """Tasks or threads started by the checked coroutine were still running when it returned."""


# --------------------------------------------------------------------------- a loop on a virtual clock

class _JumpingSelector(selectors.DefaultSelector):
    """A selector whose ``select(timeout)`` moves a clock forward by ``timeout`` instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # no timer at all: only another thread (to_thread) can still wake the loop
            return super().select(REAL_SECONDS)
        self.now += timeout
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose ``time()`` stands still while tasks run and jumps to the next timer when all wait.

    ``asyncio.sleep``, ``asyncio.timeout`` and ``wait_for`` all read ``loop.time()``, so on this loop a
    fake fetch of 3 s takes no real time, and a total time can be compared with the ideal one exactly.
    """

    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(self._jumping)
        self.set_exception_handler(lambda loop, context: None)  # a check reports what went wrong itself

    def time(self) -> float:
        return self._jumping.now


@dataclass
class _Run:
    """How a checked coroutine ended: its value or exception, and the loop time it took."""

    value: Any
    error: BaseException | None
    took: float  # from the call to its end
    ended: float  # the loop time it ended at

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def _awaiting_frames(task: asyncio.Task) -> list[Any]:
    """The frames of a task's chain of awaits, outermost first (``get_stack()`` shows only the outermost)."""
    frames, awaited = [], task.get_coro()
    while (frame := getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)) is not None:
        frames.append(frame)
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return frames


def _task_stacks(tasks: list[asyncio.Task]) -> str:
    """Where each task waits: the innermost lines of its chain of awaits."""
    blocks = []
    for task in tasks:
        frames = _awaiting_frames(task)
        lines = traceback.format_list(traceback.StackSummary.extract((f, f.f_lineno) for f in frames))
        blocks.append(f"--- task {task.get_name()!r} waits at:\n" + ("".join(lines[-4:]).rstrip() or "(no stack)"))
    return "\n".join(blocks) if blocks else "(no task found)"


def _threads_besides(before: set[threading.Thread]) -> list[threading.Thread]:
    """Live threads that were not there before, except the event loop's own to_thread workers."""
    return [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.name.startswith("asyncio_")]


def _running_tasks(*checking: asyncio.Task | None) -> list[asyncio.Task]:
    """The loop's unfinished tasks besides the check's own; a task with a pending cancel() counts."""
    return [t for t in asyncio.all_tasks() if t not in (asyncio.current_task(), *checking) and not t.done()]


async def _watch(seconds: float, fn: Callable[..., Any], args: tuple, kwargs: dict) -> _Run:
    """Await ``fn(*args, **kwargs)`` in a task for at most ``seconds`` of loop time; see ``_run_virtual``."""
    name = fn.__name__
    threads_before, watcher = set(threading.enumerate()), asyncio.current_task()
    left: dict[str, Any] = {}

    async def observed() -> Any:
        try:
            return await fn(*args, **kwargs)
        finally:  # runs in the very step the student's coroutine ends: nothing else has run since
            left.update(tasks=_running_tasks(watcher), threads=_threads_besides(threads_before), ended=loop.time())

    loop = asyncio.get_running_loop()
    began = loop.time()
    call = asyncio.create_task(observed(), name=f"checked call of {name}")
    await asyncio.wait({call}, timeout=seconds)
    if not call.done():
        raise TookTooLong(
            f"{name}(...) did not finish within {seconds:g} s of loop time (the check's clock jumps ahead when "
            f"every task waits, so this took no real time): some task waits for something that never "
            f"happens (a get() on a queue nobody puts to any more, a put() on a full queue nobody reads, "
            f"a missing sentinel, or a task that waits for a dead one).\nWhere each task waits:\n"
            f"{_task_stacks([call, *_running_tasks(call)])}"
        )
    if left.get("tasks"):
        raise LeftoverTasks(
            f"{name} ended while {len(left['tasks'])} task(s) it started were still running. Before "
            f"returning, wait for every task you created (cancelling one is not enough: await it too; an "
            f"`async with asyncio.TaskGroup()` block does both for you).\nWhere they were waiting:\n"
            f"{_task_stacks(left['tasks'])}"
        )
    if left.get("threads"):
        raise LeftoverTasks(
            f"{name} ended while {len(left['threads'])} thread(s) it started were still running; make "
            f"them end before it returns.\nWhere they are:\n{thread_stacks(left['threads'])}"
        )
    if call.cancelled():
        raise AssertionError(f"{name}(...) was cancelled: it must not cancel the task that awaits it.")
    took = left["ended"] - began
    if call.exception() is not None:
        return _Run(None, call.exception(), took, left["ended"])
    return _Run(call.result(), None, took, left["ended"])


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed check left on ``loop``, let it react for a few steps, and close the loop."""
    for task in asyncio.all_tasks(loop):
        task.cancel()
    for _ in range(20):  # a bounded number of steps: a task may swallow its cancellation and spin
        loop.call_soon(loop.stop)
        loop.run_forever()
    loop.close()


def _run_virtual(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> _Run:
    """Run the coroutine ``fn(*args, **kwargs)`` on a fresh VirtualTimeLoop in a helper thread.

    The check looks at what the call left running in the step where it ended. Its own exception is
    returned in the ``_Run`` (``result()`` re-raises it), so a check can also judge how it failed.

    Raises:
        TookTooLong: after ``SECONDS`` of loop time (at once in real time, for a deadlock), or after
            ``REAL_SECONDS`` of real time for code that never lets the clock move.
        LeftoverTasks: if tasks or threads it started were still running when it returned or raised.
    """
    name = getattr(fn, "__name__", repr(fn))
    if not inspect.iscoroutinefunction(fn):
        raise AssertionError(f"{name} should be a coroutine function: define it with `async def {name}(...)`.")
    loop, closed = VirtualTimeLoop(), threading.Event()

    def run() -> _Run:
        try:
            return loop.run_until_complete(_watch(SECONDS, fn, args, kwargs))
        finally:
            _close(loop)
            closed.set()

    try:
        return call_within(REAL_SECONDS, run)
    except TookTooLong as stuck:
        if closed.is_set():
            raise
        loop.call_soon_threadsafe(loop.stop)  # ends run_until_complete after the current step, if there is one
        closed.wait(REAL_SECONDS)  # then the spinning tasks are cancelled and the loop closed
        raise TookTooLong(
            f"{name}(...) kept the event loop busy for {REAL_SECONDS:g} s of real time without its tasks ever "
            f"waiting for time to pass: a loop of `await asyncio.sleep(0)` (or no await at all) polls "
            f"instead of waiting for a queue, an event or a task.\n{stuck}"
        ) from None


# --------------------------------------------------------------------------- Exercise: Scheduler

TaskFactory = Callable[[list[str]], Generator[Any, Any, Any]]
_STEPS = object()  # "return the number of steps": the default result of a _task


class TaskFailed(Exception):
    """The exception a check's task raises, so that no other exception is mistaken for it."""


def _task(name: str, steps: int, spawns: dict[int, TaskFactory] | None = None,
          yields: dict[int, Callable[[], Any]] | None = None, returns: Any = _STEPS,
          raises: BaseException | None = None) -> TaskFactory:
    """A task that logs each step it runs and returns ``steps`` (or ``returns``, or raises ``raises``).

    At a step in ``spawns`` it yields a child task and logs the id it gets back; at a step in ``yields``
    it yields that factory's value instead of None; any other non-None value a yield gets is logged too.
    """

    def make(log: list[str]) -> Generator[Any, Any, Any]:
        for step in range(steps):
            log.append(f"{name}{step}")
            if step in (spawns or {}):
                child_id = yield spawns[step](log)
                log.append(f"{name} got {child_id!r}")
                continue
            value = (yields or {}).get(step, lambda: None)()
            received = yield value
            if inspect.iscoroutine(value):
                value.close()  # never run by a right scheduler: close it so that Python does not warn
            if received is not None:
                log.append(f"{name} got {received!r}")
        if raises is not None:
            raise raises
        return steps if returns is _STEPS else returns

    return make


def _schedule(Scheduler: type, factories: list[TaskFactory], log: list[str]) -> tuple[list[Any], list[str], Any]:
    """Spawn a fresh task from each factory, run the scheduler; return (spawn ids, steps run by spawn, result)."""
    scheduler = Scheduler()
    ids = [scheduler.spawn(make(log)) for make in factories]
    early = list(log)
    return ids, early, scheduler.run()


def _reference(factories: list[TaskFactory]) -> tuple[list[Any], list[str], Any]:
    """The reference scheduler's (ids, log, results) for these tasks."""
    log: list[str] = []
    ids, _, results = _schedule(ReferenceScheduler, factories, log)
    return ids, log, results


def _student(Scheduler: type, factories: list[TaskFactory], log: list[str]) -> tuple[list[Any], Any]:
    """Run the student's scheduler on these tasks, bounded; fail if spawn() already ran steps."""
    forbidden = [ReferenceScheduler.spawn, ReferenceScheduler.run]
    ids, early, results = call_own_work(SECONDS, forbidden, _schedule, Scheduler, factories, log)
    assert not early, (
        f"spawn() should only put the task in the queue, but the steps {' '.join(early)} already ran before "
        f"run() was called. Resume a task for the first time on its first turn in run()."
    )
    return ids, results


def _same_steps(log: list[str], want: list[str], described: str, hint: str) -> None:
    if log != want:
        at = next((i for i, (a, b) in enumerate(zip(log, want, strict=False)) if a != b), min(len(log), len(want)))
        raise AssertionError(
            f"With {described}, the steps ran (and yields received) {' '.join(log)} but round robin gives "
            f"{' '.join(want)} (they differ from position {at}). {hint}"
        )


def _compare(Scheduler: type, factories: list[TaskFactory], described: str, hint: str) -> None:
    """Run the same tasks on the student's and the reference scheduler; the logs and results must match."""
    log: list[str] = []
    try:
        ids, results = _student(Scheduler, factories, log)
    except AssertionError:
        raise
    except Exception as error:
        raise AssertionError(f"With {described}, run() raised {error!r} (after the steps {' '.join(log)}). {hint}") from None
    want_ids, want_log, want_results = _reference(factories)
    _same_steps(log, want_log, described, hint)
    assert ids == want_ids, f"spawn() should return the ids 0, 1, 2, … in spawn order; with {described} it returned {ids}."
    shown = dict(sorted(results.items())) if isinstance(results, dict) else results
    assert isinstance(results, dict) and results == want_results and _kinds(results) == _kinds(want_results), (
        f"With {described}, run() should return {dict(sorted(want_results.items()))} (task id: the value the "
        f"task returned, taken from StopIteration.value), but it returned {shown!r}."
    )


def _kinds(results: dict) -> dict:
    """The type of each result: 0, False and 0.0 compare equal but are different return values."""
    return {key: type(value) for key, value in results.items()}


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
    log: list[str] = []
    _, results = _student(Scheduler, [], log)
    assert results == {} and isinstance(results, dict), f"run() with no task spawned should return {{}}, not {results!r}."
    _compare(Scheduler, [_task("A", 3, returns=None)], "one task A of 3 steps that returns None",
             "A plain `return` (or none) ends the generator with StopIteration.value None: record None.")
    returned = [None, 0, False, "", (), ("t", 1), 0.0, TaskFailed("returned, not raised")]
    _compare(Scheduler, [_task(f"R{i}", i % 2, returns=value) for i, value in enumerate(returned)],
             f"tasks returning {', '.join(repr(v) for v in returned)}",
             "Record StopIteration.value exactly as it is, whatever it is.")


def scheduler_raises_task_errors(Scheduler: type) -> None:
    """A task that raises makes run() raise that very exception at once: no other task runs another step."""
    error = TaskFailed("task B failed at its second step")
    factories = [_task("A", 3), _task("B", 1, raises=error), _task("C", 3)]
    log: list[str] = []
    described = "tasks A and C of 3 steps and B, which raises TaskFailed on its second turn"
    try:
        _, results = _student(Scheduler, factories, log)
    except TaskFailed as raised:
        assert raised is error, f"run() raised {raised!r}, a different exception from the one task B raised ({error!r})."
    else:
        raise AssertionError(
            f"With {described}, run() returned {results!r}: when a task raises, run() should raise that same "
            f"exception at once. Catch only StopIteration around send()."
        )
    want = ["A0", "B0", "C0", "A1"]
    _same_steps(log, want, described, "When a task raises, no other task may run another step: let the "
                                      "exception leave run() right there.")


def scheduler_runs_spawned_tasks(Scheduler: type) -> None:
    """A task that yields a generator spawns it: the child joins the queue, the parent gets its id."""
    grandchild = _task("Y", 2)
    child = _task("X", 3, spawns={1: grandchild})
    _compare(Scheduler, [_task("A", 2, spawns={0: child}), _task("B", 3)],
             "A spawning X at its first step (X spawns Y at its second), and B",
             "When a task yields a generator, spawn() it (it joins the back of the queue), then put the "
             "parent behind it and, on the parent's next turn, send() it the new id (next() would send None); "
             "after that, its plain yields get None again.")


def _coroutine() -> Any:
    async def not_a_generator() -> str:
        return "a coroutine is not a generator"

    return not_a_generator()


_OTHER_VALUES: list[tuple[str, Callable[[], Any]]] = [
    ("0", lambda: 0), ("False", lambda: False), ("''", lambda: ""), ("()", lambda: ()),
    ("a tuple", lambda: ("sleep", 1)), ("an exception", lambda: TaskFailed("yielded, not raised")),
    ("an iterator", lambda: iter([1, 2])), ("a range", lambda: range(3)), ("a list", lambda: [None]),
    ("a generator function", lambda: _task), ("a coroutine", _coroutine),
]


def scheduler_passes_turn_on_other_values(Scheduler: type) -> None:
    """Any yielded value that is not a generator passes the turn, and the task receives None for it."""
    yields = {step: make for step, (_, make) in enumerate(_OTHER_VALUES)}
    factories = [_task("A", len(_OTHER_VALUES), yields=yields), _task("B", 3, spawns={1: _task("X", 1)})]
    _compare(Scheduler, factories,
             f"A yielding {', '.join(name for name, _ in _OTHER_VALUES)} in turn, and B spawning X",
             "Only a generator (inspect.isgenerator) is a new task; any other value a task yields just passes "
             "its turn, and the task then receives None as the value of that yield.")


# --------------------------------------------------------------------------- Exercise: fetch_all

class FakeFetch:
    """An async ``fetch(url)`` that takes a known loop time per url, and watches how it is called.

    It returns ``replies[url]`` (default: "page of <url>"), or raises ``errors[url]`` at the end of its time.
    """

    def __init__(self, delays: dict[str, float], replies: dict[str, Any] | None = None,
                 errors: dict[str, BaseException] | None = None) -> None:
        self.delays, self.replies, self.errors = delays, replies or {}, errors or {}
        self.in_flight = 0
        self.peak = 0
        self.calls: collections.Counter[str] = collections.Counter()
        self.started: list[str] = []  # the urls in the order their calls started
        self.cancelled: list[str] = []
        self.finished: list[tuple[float, str]] = []  # (loop time, url) of each call that returned or raised

    async def __call__(self, url: str) -> Any:
        self.calls[url] += 1
        self.started.append(url)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delays[url])
            self.finished.append((asyncio.get_running_loop().time(), url))
            if url in self.errors:
                raise self.errors[url]
            return self.replies.get(url, f"page of {url}")
        except asyncio.CancelledError:
            self.cancelled.append(url)
            raise
        finally:
            self.in_flight -= 1

    def ideal_seconds(self, urls: list[str], limit: int, timeout: float) -> float:
        """The shortest total time when each call starts, in this order, as soon as one of ``limit`` slots is free."""
        slots = [0.0] * limit
        for url in urls:
            heapq.heappush(slots, heapq.heappop(slots) + min(self.delays[url], timeout))
        return max(slots)


def _urls(*delays: float) -> dict[str, float]:
    return {f"u{i}": seconds for i, seconds in enumerate(delays)}


def _fetch_all(fetch_all: Callable[..., Any], fake: FakeFetch, urls: list[str], limit: int,
               timeout: float = 1.0) -> tuple[list[Any], float]:
    """Call the student's fetch_all on ``fake``, whose fetches do not raise; return (results, loop seconds)."""
    run = _run_virtual(fetch_all, list(urls), fake, limit=limit, timeout=timeout)
    if isinstance(run.error, TimeoutError):
        raise AssertionError(
            f"fetch_all raised {run.error!r}: catch the TimeoutError of a slow fetch and put the exception object "
            f"in that url's place in the results instead."
        )
    if run.error is not None:
        raise AssertionError(
            f"fetch_all({urls!r}, ...) raised {run.error!r}, but none of these fetches raised anything (a fetch "
            f"that returns an exception object has a result like any other)."
        )
    assert run.value is not None, "fetch_all should return the list of results, but it returned None."
    return list(run.value), run.took


def fetch_all_returns_pages_in_order(fetch_all: Callable[..., Any]) -> None:
    """The results come back in the order of the urls, whatever order the fetches finish in."""
    for delays in (_urls(0.05, 0.01, 0.03, 0.0, 0.02), _urls(0.05, 0.04, 0.03, 0.02, 0.01)):
        results, _ = _fetch_all(fetch_all, FakeFetch(delays), list(delays), limit=5)
        want = [f"page of {url}" for url in delays]
        assert results == want, (
            f"fetch_all should return [fetch(url) for each url] in the order of the urls: expected {want}, got "
            f"{results}. asyncio.gather keeps the order of its arguments; asyncio.as_completed does not."
        )


def _same(got: Any, want: Any) -> bool:
    """The very object, or an equal one of the same type (0, False and 0.0 are equal but not the same result)."""
    return got is want or (type(got) is type(want) and got == want)


def fetch_all_returns_any_result(fetch_all: Callable[..., Any]) -> None:
    """No url gives [], one url gives one result, duplicates are fetched each time, any value is kept."""
    results, _ = _fetch_all(fetch_all, FakeFetch({}), [], limit=3)
    assert results == [], f"fetch_all([], ...) should return [], not {results!r}."
    replies = {"none": None, "zero": 0, "false": False, "empty": "", "unit": (), "pair": ("a", 1),
               "error": ValueError("returned, not raised")}
    urls = ["pair", *replies, "zero", "none"]
    for limit, chosen in ((3, urls), (2, ["none"])):
        fake = FakeFetch({url: 0.01 * (i % 3) for i, url in enumerate(replies)}, replies=replies)
        results, _ = _fetch_all(fetch_all, fake, chosen, limit=limit)
        want = [replies[url] for url in chosen]
        same = len(results) == len(want) and all(_same(a, b) for a, b in zip(results, want, strict=False))
        assert same, (
            f"fetch_all({chosen!r}, ...) should return exactly what each fetch returned, in order: {want!r}, "
            f"but it returned {results!r}. None, 0, False, '' and exception objects are results too."
        )
        assert fake.calls == collections.Counter(chosen), (
            f"fetch_all({chosen!r}, ...) should call fetch once per url, a url that appears twice twice, but "
            f"it made the calls {dict(fake.calls)}."
        )


def fetch_all_respects_limit(fetch_all: Callable[..., Any], limit: int = 3, urls: int = 10) -> None:
    """Never more than ``limit`` fetches in flight, and min(``limit``, number of urls) do run at once."""
    fake = FakeFetch(_urls(*[0.02] * urls))
    _fetch_all(fetch_all, fake, list(fake.delays), limit=limit)
    assert fake.peak <= limit, (
        f"With limit={limit}, {fake.peak} fetches were in flight at once. Hold an asyncio.Semaphore(limit) "
        f"around each `await fetch(url)` (or run just `limit` worker tasks)."
    )
    assert fake.peak == min(limit, urls), (
        f"With limit={limit} and {urls} urls, only {fake.peak} fetch(es) ever ran at once: start the fetches "
        f"as tasks (gather, a TaskGroup, or {limit} workers) instead of awaiting them one after another."
    )


def fetch_all_keeps_slots_busy(fetch_all: Callable[..., Any], limit: int = 3) -> None:
    """A new fetch starts as soon as any slot frees: the total loop time is exactly the ideal one for the
    order in which the fetches started (any order is allowed)."""
    fake = FakeFetch(_urls(*[0.12, 0.02, 0.02] * 4))
    _, took = _fetch_all(fetch_all, fake, list(fake.delays), limit=limit)
    ideal = fake.ideal_seconds(fake.started, limit, timeout=1.0)
    assert took <= ideal + EXACT, (
        f"With limit={limit}, the fetches took {took:.3f} s of loop time, but starting each one the moment "
        f"any of the {limit} running ones finishes takes {ideal:.3f} s. Do not wait for a whole batch of "
        f"{limit}, nor poll with sleep(): let a Semaphore (or {limit} workers taking urls in turn) start each one."
    )


def fetch_all_reports_timeouts(fetch_all: Callable[..., Any]) -> None:
    """A fetch slower than ``timeout`` is cancelled and reported as a TimeoutError in its place, not raised;
    the timeout counts from the start of that fetch, not from the time it waited for a slot."""
    fake = FakeFetch({"fast": 0.01, "stuck": 3.0, "also fast": 0.02})
    results, _ = _fetch_all(fetch_all, fake, list(fake.delays), limit=2, timeout=0.1)
    assert len(results) == 3 and isinstance(results[1], TimeoutError), (
        f"The fetch of 'stuck' takes 3 s and timeout=0.1: its result should be a TimeoutError instance, but the "
        f"results were {results!r}."
    )
    assert results[0::2] == ["page of fast", "page of also fast"], f"The other urls should still give their pages: {results!r}."
    assert fake.cancelled == ["stuck"], (
        "The fetch that timed out should have been cancelled (asyncio.timeout and wait_for do that).")
    queued = FakeFetch(_urls(*[0.06] * 4))
    results, _ = _fetch_all(fetch_all, queued, list(queued.delays), limit=1, timeout=0.1)
    late = [url for url, result in zip(queued.delays, results, strict=False) if isinstance(result, TimeoutError)]
    assert not late, (
        f"With limit=1, each fetch takes 0.06 s and timeout=0.1, yet {late} were reported as timed out: the "
        f"timeout included the time spent waiting for a free slot. Start the timeout after acquiring the "
        f"semaphore, around the fetch alone."
    )


def _raised(error: BaseException | None, wanted: BaseException) -> bool:
    """Whether ``error`` is ``wanted`` itself or an ExceptionGroup that holds it."""
    if isinstance(error, BaseExceptionGroup):
        return error.subgroup(lambda e: e is wanted) is not None
    return error is wanted


def fetch_all_raises_other_errors(fetch_all: Callable[..., Any]) -> None:
    """Another exception from fetch is raised at once, alone or in an ExceptionGroup; the others are cancelled."""
    error = ConnectionError("the server of 'bad' reset the connection")
    delays = {"slow": 0.5, "bad": 0.02, "ok": 0.01, "later": 0.05, "last": 0.05}
    fake = FakeFetch(delays, errors={"bad": error})
    run = _run_virtual(fetch_all, list(delays), fake, limit=3, timeout=1.0)
    assert _raised(run.error, error), (
        f"fetch('bad') raised {error!r}; fetch_all should raise it (on its own, or in an ExceptionGroup as a "
        f"TaskGroup does), but it " + (f"raised {run.error!r}." if run.error else f"returned {run.value!r}.")
        + " Catch only TimeoutError around each fetch."
    )
    failed_at = next(at for at, url in fake.finished if url == "bad")
    after = [url for at, url in fake.finished if at > failed_at + EXACT]
    assert run.ended <= failed_at + EXACT and not after, (
        f"fetch('bad') raised at {failed_at:.2f} s, but fetch_all raised only at {run.ended:.2f} s of loop time, "
        f"once {after} had finished too. Raise at once and cancel the fetches still running (a TaskGroup does both)."
    )


# --------------------------------------------------------------------------- Exercise: run_async_pipeline

def _key(item: Any) -> tuple[str, str]:
    """A sortable identity for any item (0, False and None must stay distinct)."""
    return (type(item).__name__, repr(item))


def _pipeline(run_async_pipeline: Callable[..., Any], items: Any, worker: Callable[..., Any],
              n_consumers: int, maxsize: int) -> list[Any]:
    run = _run_virtual(run_async_pipeline, items, worker, n_consumers=n_consumers, maxsize=maxsize)
    if run.error is not None:
        raise AssertionError(f"run_async_pipeline raised {run.error!r}, but no worker call raised anything here.")
    assert run.value is not None, "run_async_pipeline should return the list of results, but it returned None."
    return list(run.value)


async def _echo(item: Any) -> Any:
    await asyncio.sleep(0)
    return item


async def _tagged(item: Any) -> tuple[str, Any]:
    await asyncio.sleep(0)
    return ("seen", item)


# Items a sentinel could be mistaken for: falsy values, sentinel-like strings, numbers, constants and types.
ITEMS = [0, None, "", False, 0.0, (), ..., "STOP", "stop", "done", -1, StopIteration, StopAsyncIteration, object,
         "x", 1, 1, 2, *range(10, 26)]


def pipeline_processes_every_item_once(run_async_pipeline: Callable[..., Any]) -> None:
    """Every item, falsy and sentinel-like ones included, is processed exactly once, from a list and from a
    generator, also no item or one item; the results are whatever the worker returned, None included."""
    cases = [(lambda: list(ITEMS), "a list", _tagged), (lambda: (i for i in ITEMS), "a generator", _echo),
             (lambda: [], "an empty list", _echo), (lambda: iter([None]), "a generator of one None", _echo)]
    for source, label, worker in cases:
        items = list(source())
        results = _pipeline(run_async_pipeline, source(), worker, n_consumers=3, maxsize=2)
        got = collections.Counter(_key(r) for r in results)
        want = collections.Counter(_key(_tagged_value(worker, i)) for i in items)
        missing, extra = want - got, got - want
        returns = "('seen', item)" if worker is _tagged else "the item itself"
        assert not missing and not extra, (
            f"With items from {label} and a worker that returns {returns}, the results do not match one "
            f"worker call per item. Missing: {[v for _, v in missing.elements()][:5]}; unexpected or repeated: "
            f"{[v for _, v in extra.elements()][:5]}. Falsy or sentinel-like items such as 0, None, '', ... or "
            f"'STOP' are items too, and so is any result: stop at a unique sentinel (`STOP = object()`, "
            f"`if item is STOP`)."
        )


def _tagged_value(worker: Callable[..., Any], item: Any) -> Any:
    return ("seen", item) if worker is _tagged else item


def pipeline_consumers_run_concurrently(run_async_pipeline: Callable[..., Any], n_consumers: int = 3) -> None:
    """``n_consumers`` worker calls run at once, and never more, also with many more items."""
    together = asyncio.Barrier(n_consumers)
    alone = []
    watch = {"now": 0, "peak": 0}

    async def worker(item: Any) -> Any:
        watch["now"] += 1
        watch["peak"] = max(watch["peak"], watch["now"])
        try:
            if item < n_consumers:
                async with asyncio.timeout(1):
                    await together.wait()
            else:
                await asyncio.sleep(0.01 * (item % 4))
        except (TimeoutError, asyncio.BrokenBarrierError):
            alone.append(item)
            await together.abort()  # later calls give up at once instead of waiting a second each
        finally:
            watch["now"] -= 1
        return item

    _pipeline(run_async_pipeline, list(range(4 * n_consumers)), worker, n_consumers=n_consumers, maxsize=2)
    assert not alone, (
        f"With n_consumers={n_consumers}, {n_consumers} worker calls should be running at the same time, but "
        f"they were not: start {n_consumers} consumer tasks, each taking items from the shared asyncio.Queue."
    )
    assert watch["peak"] <= n_consumers, (
        f"With n_consumers={n_consumers}, {watch['peak']} worker calls ran at once: each of the {n_consumers} "
        f"consumers should await worker(item) itself, one item at a time, not start a task per item."
    )


def pipeline_applies_back_pressure(run_async_pipeline: Callable[..., Any], n_consumers: int = 2, maxsize: int = 2) -> None:
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

    _pipeline(run_async_pipeline, items(), worker, n_consumers=n_consumers, maxsize=maxsize)
    allowed = maxsize + n_consumers + 1
    assert state["worst"] <= allowed, (
        f"The producer ran {state['worst']} items ahead of the workers, but an asyncio.Queue(maxsize={maxsize}) "
        f"shared with {n_consumers} consumers allows at most {allowed}. Take the items one by one and "
        f"`await queue.put(item)`: it waits while the queue is full."
    )
    assert state["worst"] >= maxsize, (
        f"While the workers were busy, the producer never got more than {state['worst']} items ahead of them, "
        f"but an asyncio.Queue(maxsize={maxsize}) holds {maxsize}: make the queue with maxsize, nothing else."
    )


def pipeline_returns_promptly(run_async_pipeline: Callable[..., Any]) -> None:
    """run_async_pipeline returns in the same loop instant as the last item is done, with no task left running."""
    last_done = [0.0]

    async def worker(item: int) -> int:
        await asyncio.sleep(0.01)
        last_done[0] = asyncio.get_running_loop().time()
        return item

    run = _run_virtual(run_async_pipeline, range(12), worker, n_consumers=3, maxsize=2)
    if run.error is not None:
        raise AssertionError(f"run_async_pipeline raised {run.error!r}, but no worker call raised anything here.")
    lag = run.ended - last_done[0]
    assert lag <= EXACT, (
        f"run_async_pipeline returned {lag:.3f} s of loop time after the last item was done. Tell the consumers "
        f"to stop (a sentinel each, or cancel them after `await queue.join()`) instead of letting them wait "
        f"for a timeout or polling."
    )


def _failing_worker(fail_at: int, error: BaseException, failed: list[float]) -> Callable[[int], Any]:
    """A worker that takes 0.02 s per item and raises ``error`` on ``fail_at``, noting the loop time."""

    async def worker(item: int) -> int:
        await asyncio.sleep(0.02)
        if item == fail_at:
            failed.append(asyncio.get_running_loop().time())
            raise error
        return item

    return worker


def pipeline_stops_on_worker_failure(run_async_pipeline: Callable[..., Any]) -> None:
    """When a worker call raises, the pipeline raises it at once (alone or in an ExceptionGroup), no task left;
    also when the first item fails, the items come from a generator and a single consumer is blocked."""
    for items, fail_at, n_consumers, maxsize in ((range(40), 3, 2, 2), ((i for i in range(40)), 0, 1, 1)):
        error, failed = ValueError(f"worker failed on item {fail_at}"), []
        worker = _failing_worker(fail_at, error, failed)
        try:
            run = _run_virtual(run_async_pipeline, items, worker, n_consumers=n_consumers, maxsize=maxsize)
        except LeftoverTasks as left:
            raise LeftoverTasks(
                f"After a worker raised: {left}\nA TaskGroup cancels the other tasks when one fails; "
                f"asyncio.gather does not."
            ) from None
        assert _raised(run.error, error), (
            f"With n_consumers={n_consumers}, the worker raised {error!r}, but run_async_pipeline "
            + (f"raised {run.error!r}" if run.error else f"returned {len(run.value or [])} results")
            + " instead of raising it. Let the exception propagate (a TaskGroup raises it in an ExceptionGroup)."
        )
        assert run.ended <= failed[0] + EXACT, (
            f"With n_consumers={n_consumers}, the worker raised at {failed[0]:.2f} s, but run_async_pipeline "
            f"raised only at {run.ended:.2f} s of loop time: raise at once and cancel the other tasks instead "
            f"of letting the other consumers go on."
        )
