"""Run a check's threads one at a time under a scheduler that decides who runs next.

A race or a deadlock then depends on a *choice*, not on the machine's load: the same schedule gives the
same result on every run, a failing schedule can be printed and replayed, and the search for one is
systematic (CHESS, loom, Fray and Coyote work this way; see ``explore``).

While a run is active, the ``threading`` primitives (Lock, RLock, Condition, and through them Semaphore,
Event, Barrier, ``queue.Queue`` and the pure-Python ``queue.SimpleQueue`` that ThreadPoolExecutor then
uses), ``Thread.start``/``join``/``is_alive`` and the clock (``time.sleep``, ``time.monotonic``, ...) are
replaced by controlled versions, and so are the same objects in the student's
own namespace (``from threading import Lock``). The controlled versions act only for the threads of the
run; any other thread (the kernel's) gets the real ones. Everything is restored when the run ends, so
the grading guard (course.grading.guard) finds the modules as they were.

A *switch point*, where the scheduler may let another thread run, is every operation on a controlled
primitive, every sleep, thread start and join, every line of student code (``sys.settrace``, limited to
code compiled from notebook cells) and every ``step(label)`` a check adds (course.amplify's reads and
writes). Time is virtual: a sleep or a timeout passes instantly once no thread can run. With no thread
runnable and no timer pending the run is a deadlock, reported as its wait-for cycle. A thread that stops
reaching switch points (blocked in a C call, a socket, a real lock made before the check) is reported as
code the scheduler cannot control after ``STALL_SECONDS`` of real time in which it could run (a
``course.fair_clock.FairClock``: a busy machine does not shorten it); a run is never left hanging.
"""
from __future__ import annotations

import _thread
import contextlib
import dataclasses
import gc
import heapq
import linecache
import queue
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any

from course.fair_clock import FairClock
from course.timeline import Mark, Span, Timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Outcome", "controls_this_thread", "explore", "is_student_code", "last_failure", "step", "steps_so_far"]

STALL_SECONDS = 5.0  # time (on a FairClock) a thread may run without reaching a switch point
MAX_STEPS = 10_000  # steps in one run before it counts as a busy loop (the right answers take at most 1 807)

_REAL_LOCK = _thread.allocate_lock
_REAL_RLOCK = threading.RLock
_REAL = {
    (threading, "Lock"): threading.Lock, (threading, "RLock"): threading.RLock,
    (threading, "Condition"): threading.Condition, (threading, "_time"): threading._time,  # type: ignore[attr-defined]
    (queue, "time"): queue.time,  # type: ignore[attr-defined]
    (time, "sleep"): time.sleep, (time, "monotonic"): time.monotonic, (time, "perf_counter"): time.perf_counter,
    (time, "time"): time.time, (queue, "SimpleQueue"): queue.SimpleQueue,
    (threading.Thread, "start"): threading.Thread.start, (threading.Thread, "join"): threading.Thread.join,
    (threading.Thread, "is_alive"): threading.Thread.is_alive,
}
_real_sleep, _real_monotonic, _real_time = time.sleep, time.monotonic, time.time

_active: _Run | None = None  # at most one run at a time, process-wide


class _Abort(BaseException):
    """Unwinds a thread of a run that ended (deadlock, stall, a failed check); never reaches student code's
    ``except Exception``."""


def is_student_code(code: CodeType) -> bool:
    """Whether ``code`` was compiled from a notebook cell (IPython names those files so)."""
    name = code.co_filename
    return name.startswith("<ipython-input-") or "/ipykernel_" in name


@dataclasses.dataclass(eq=False)
class _Task:
    """One thread of a run."""

    index: int
    name: str
    thread: threading.Thread
    baton: Any  # a real lock, held while the task may not run
    done: bool = False
    until: Callable[[], bool] | None = None  # set while blocked: true once it may go on
    deadline: float | None = None  # virtual time at which a blocked wait times out
    timed_out: bool = False
    waits_for: Any = None  # the primitive it is blocked on, for the deadlock report
    waits_label: str = ""

    def runnable(self) -> bool:
        return not self.done and (self.until is None or self.timed_out or self.until())


@dataclasses.dataclass
class _Decision:
    """A point where more than one task could run: who was running (if it could go on), who was chosen."""

    chosen: int
    options: tuple[int, ...]
    running: int | None

    @property
    def preemption(self) -> bool:
        return self.running is not None and self.chosen != self.running

    def default(self) -> int:
        return self.running if self.running is not None else self.options[0]


class _Chooser:
    """Picks the next task: forced choices first (a replay, or the search's prefix), then a default.

    The default keeps the current task running while it can (no preemption) and otherwise takes the
    oldest runnable one; PCT (``seed``) instead runs the task of highest priority, and lowers the running
    task's priority at ``depth - 1`` random decisions (Burckhardt et al., ASPLOS 2010).
    """

    def __init__(self, forced: list[int | str] | None = None, seed: int | None = None, depth: int = 3,
                 horizon: int = 60) -> None:
        self.forced = forced or []
        self.rng = random.Random(seed) if seed is not None else None
        self.priority: dict[int, float] = {}
        self.changes = set(self.rng.sample(range(1, horizon), min(depth - 1, horizon - 1))) if self.rng else set()
        self.diverged = False

    def choose(self, decisions: list[_Decision], current: _Task | None, options: list[_Task]) -> _Task:
        at = len(decisions)
        if at < len(self.forced):
            wanted = [t for t in options if self.forced[at] in (t.index, t.name)]
            if wanted:
                return wanted[0]
            self.diverged = True
        if self.rng is not None:
            for t in options:
                self.priority.setdefault(t.index, self.rng.random() + 1)
            if at in self.changes and current is not None:
                self.priority[current.index] = self.rng.random() / 2
            return max(options, key=lambda t: self.priority[t.index])
        if current is not None and current in options:
            return current
        return options[0]


class _Run:
    """One execution of a scenario's threads under one schedule."""

    def __init__(self, chooser: _Chooser, traced: Callable[[CodeType], bool], max_steps: int = MAX_STEPS) -> None:
        self.chooser = chooser
        self.max_steps = max_steps
        self.traced = traced
        self.traced_codes: dict[CodeType, bool] = {}
        self.tasks: list[_Task] = []
        self.by_ident: dict[int, _Task] = {}
        self.controller = threading.get_ident()
        self.decisions: list[_Decision] = []
        self.steps: list[tuple[int, str]] = []
        self.clock = 0.0
        self.epoch = _real_monotonic()
        self.wall = _real_time()
        self.problem: str | None = None
        self.aborted = False
        self.finished = _REAL_LOCK()
        self.finished.acquire()
        self.errors: list[tuple[str, BaseException]] = []
        self.names: dict[str, int] = {}
        self.labels = 0
        self.running: _Task | None = None  # the task that holds the baton

    # ----------------------------------------------------------------- who is calling
    def me(self) -> _Task | None:
        return self.by_ident.get(_thread.get_ident())

    def controls_creation(self) -> bool:
        """Whether a primitive made by the caller now should be a controlled one."""
        return not self.aborted and (self.me() is not None or _thread.get_ident() == self.controller)

    def label(self, kind: str) -> str:
        self.labels += 1
        return f"{kind} #{self.labels}"

    # ----------------------------------------------------------------- threads
    def adopt(self, thread: threading.Thread) -> _Task:
        """Make ``thread`` (not yet started) a task of this run; it waits for its first turn."""
        name = thread.name
        if name.startswith("Thread-"):  # a default name, numbered process-wide: not stable between runs
            target = getattr(thread, "_target", None)
            name = f"thread-{len(self.tasks)}" + (f" ({target.__name__})" if hasattr(target, "__name__") else "")
        if name in self.names:
            name = f"{name}#{len(self.tasks)}"
        baton = _REAL_LOCK()
        if not self.aborted:  # a thread started while an ended run unwinds goes at once, to unwind too
            baton.acquire()
        task = _Task(len(self.tasks), name, thread, baton)
        self.names[name] = task.index
        self.tasks.append(task)
        original = thread.run
        thread._started = _Flag()  # type: ignore[attr-defined]  # set by the new thread before it is ours

        def run() -> None:
            self.by_ident[_thread.get_ident()] = task
            try:
                self._wait_turn(task)
                sys.settrace(self._tracer)
                original()
            except _Abort:
                pass
            except BaseException as exc:  # noqa: BLE001 -- the check reports it, with the schedule
                self.errors.append((task.name, exc))
            finally:
                sys.settrace(None)
                del self.by_ident[_thread.get_ident()]  # the ident may be reused by another thread
                self._finish(task)

        thread.run = run  # type: ignore[method-assign]
        return task

    def _tracer(self, frame: Any, event: str, arg: Any) -> Any:
        if event != "call":
            return None
        code = frame.f_code
        traced = self.traced_codes.get(code)
        if traced is None:  # asked once per function: the tracer sees every call the threads make
            traced = self.traced_codes[code] = self.traced(code)
        return self._line if traced else None

    def _line(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            self.step(f"`{text}`" if text else f"line {frame.f_lineno}")
        return self._line

    # ----------------------------------------------------------------- switching
    def step(self, label: str) -> None:
        """A switch point of the calling task (no-op for other threads)."""
        task = self.me()
        if task is None:
            return
        if self.aborted:
            raise _Abort
        self.steps.append((task.index, label))
        if len(self.steps) > self.max_steps:
            self._stop(f"the threads took more than {self.max_steps} steps without finishing: {task.name} "
                       f"keeps running ({label}), busy-waiting (looping until another thread changes something) "
                       f"instead of blocking")
            raise _Abort
        self._switch(task)

    def block(self, until: Callable[[], bool], timeout: float | None, waits_for: Any, label: str) -> bool:
        """Wait, as the calling task, until ``until()`` holds; False if ``timeout`` (virtual s) ran out first."""
        task = self.me()
        assert task is not None
        if self.aborted:
            raise _Abort
        if until():
            return True
        if timeout is not None and timeout <= 0:
            return False
        task.until, task.waits_for, task.waits_label, task.timed_out = until, waits_for, label, False
        task.deadline = None if timeout is None else self.clock + timeout
        self.steps.append((task.index, label))
        try:
            self._switch(task)
        finally:
            task.until, task.waits_for, task.deadline = None, None, None
        return not task.timed_out or until()

    def _switch(self, task: _Task) -> None:
        nxt = self._next(task)
        if nxt is task:
            return
        if nxt is not None:
            nxt.baton.release()
        self._wait_turn(task)

    def _wait_turn(self, task: _Task) -> None:
        task.baton.acquire()
        if self.aborted:
            raise _Abort
        self.running = task

    def _next(self, current: _Task | None) -> _Task | None:
        """Choose who runs next, advancing virtual time if all wait; None when the run is over."""
        while True:
            options = [t for t in self.tasks if t.runnable()]
            if options:
                break
            waiting = [t for t in self.tasks if not t.done]
            if not waiting:
                self.finished.release()
                return None
            timers = [t for t in waiting if t.deadline is not None]
            if not timers:
                self._stop(self._deadlock(waiting))
                return None
            self.clock = min(t.deadline for t in timers)  # type: ignore[type-var]
            for t in timers:
                t.timed_out = t.deadline <= self.clock  # type: ignore[operator]
        if len(options) == 1:
            return options[0]
        chosen = self.chooser.choose(self.decisions, current, options)
        running = current.index if current is not None and current in options else None
        self.decisions.append(_Decision(chosen.index, tuple(t.index for t in options), running))
        return chosen

    def _finish(self, task: _Task) -> None:
        task.done = True
        if self.aborted:
            return
        self.steps.append((task.index, "ends"))
        nxt = self._next(None)
        if nxt is not None:
            nxt.baton.release()

    def _stop(self, problem: str) -> None:
        """End the run with ``problem``: every task unwinds with _Abort at its next switch point."""
        if self.problem is None:
            self.problem = problem
        self.aborted = True
        for task in self.tasks:
            with contextlib.suppress(RuntimeError):  # a baton that is free already
                task.baton.release()
        with contextlib.suppress(RuntimeError):
            self.finished.release()

    def _deadlock(self, waiting: list[_Task]) -> str:
        """Describe a state where every live task waits and no timer is pending: the wait-for cycle first."""
        def holder(t: _Task) -> _Task | None:
            owner = getattr(t.waits_for, "owner", None)
            return owner() if callable(owner) else None

        cycle: list[_Task] = []
        for start in waiting:
            path, t = [], start
            while t is not None and t not in path:
                path.append(t)
                t = holder(t)
            if t is not None:
                cycle = path[path.index(t):]
                break
        parts = []
        for t in cycle or waiting:
            h = holder(t)
            parts.append(f"{t.name} {t.waits_label}" + (f" (held by {h.name})" if h is not None else ""))
        head = ("each thread waits for a lock that the next one holds" if cycle
                else "every thread waits and no thread is left to wake it")
        return f"Deadlock: {head}: " + "; ".join(parts) + "."

    # ----------------------------------------------------------------- running
    def execute(self, roots: dict[str, Callable[[], Any]]) -> None:
        """Run ``roots`` (name → body) as tasks until all end, deadlock, or stall; never hangs."""
        threads = [threading.Thread(target=body, name=name, daemon=True) for name, body in roots.items()]
        tasks = [self.adopt(t) for t in threads]
        for t in threads:
            _REAL[(threading.Thread, "start")](t)
        first = self._next(None)
        if first is not None:
            first.baton.release()
        seen, clock = -1, None
        while not self.finished.acquire(timeout=0.05):
            if len(self.steps) != seen:
                seen, clock = len(self.steps), None
            elif clock is None:  # a stall counts time the thread could run: a busy machine does not shorten it
                clock = FairClock()  # (made only once no step came for a moment: a search makes thousands of runs)
            elif clock.elapsed() > STALL_SECONDS:
                self._stop(self._stalled())
        for task in tasks + self.tasks[len(tasks):]:
            if not task.done:
                task.thread.join(STALL_SECONDS)

    def _stalled(self) -> str:
        task = self.running
        frame = sys._current_frames().get(task.thread.ident or -1) if task is not None else None
        if task is None or frame is None:
            return f"the threads made no progress for {STALL_SECONDS:g} s"
        while frame.f_back is not None and not self.traced(frame.f_code):
            frame = frame.f_back
        where = f"line {frame.f_lineno} of {frame.f_code.co_name}" if self.traced(frame.f_code) else "a call"
        return (f"{task.name} stopped at {where} in something the checker cannot control for {STALL_SECONDS:g} s "
                f"(a lock made before the check started, a blocking C call, a socket or a process): use the "
                f"threading and queue primitives, created inside your functions")

    def describe(self, limit: int = 30, per_thread: int = 8) -> str:
        """The steps of this run, grouped by consecutive thread: ``name: a, b · other: c``, shortened."""
        groups: list[tuple[int, list[str]]] = []
        for index, label in self.steps:
            if groups and groups[-1][0] == index:
                groups[-1][1].append(label)
            else:
                groups.append((index, [label]))
        parts = []
        for i, labels in groups:
            if len(labels) > per_thread:
                labels = labels[:per_thread - 2] + ["…"] + labels[-1:]
            parts.append(f"{self.tasks[i].name}: {', '.join(labels)}")
        return " · ".join(parts[:limit]) + (" · …" if len(parts) > limit else "")

    def schedule(self) -> list[str]:
        """The choices up to the last one the default would not have made: replaying them gives this run."""
        last = max((i for i, d in enumerate(self.decisions) if d.chosen != d.default()), default=-1)
        return [self.tasks[d.chosen].name for d in self.decisions[:last + 1]]


# --------------------------------------------------------------------------- controlled primitives

class _Flag:
    """A real one-shot event (Thread._started) that a controlled Condition never touches."""

    def __init__(self) -> None:
        self._lock = _REAL_LOCK()
        self._lock.acquire()
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._set = True
            self._lock.release()

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float | None = None) -> bool:
        if not self._set and self._lock.acquire(timeout=-1 if timeout is None else timeout):
            self._lock.release()
        return self._set

    def _at_fork_reinit(self) -> None:
        """In a forked child (``threading._after_fork`` calls it for every thread it knows, a thread of a run that
        is still unwinding included): a fresh lock in the same state. Without it, that cleanup stops half-way and
        the child believes the parent's threads still run."""
        self._lock = _REAL_LOCK()
        if not self._set:
            self._lock.acquire()


class _ControlledLock:
    """threading.Lock for the tasks of a run; a plain lock for any other thread."""

    def __init__(self, run: _Run) -> None:
        self._run = run
        self._real = _REAL_LOCK()
        self._owner: _Task | None = None
        self.name = run.label("lock")

    def owner(self) -> _Task | None:
        return self._owner

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        run = self._run
        task = run.me() if run is _active else None
        if task is None:
            return self._real.acquire(blocking, timeout)
        run.step(f"acquire {self.name}")
        limit = None if timeout is None or timeout < 0 else timeout
        if not run.block(lambda: not self._real.locked(), limit if blocking else 0, self, f"waits for {self.name}"):
            return False
        self._real.acquire(False)
        self._owner = task
        return True

    def release(self) -> None:
        self._real.release()
        self._owner = None
        if self._run is _active:
            self._run.step(f"release {self.name}")

    def locked(self) -> bool:
        return self._real.locked()

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _at_fork_reinit(self) -> None:
        self._real = _REAL_LOCK()

    def __repr__(self) -> str:
        return f"<controlled {self.name}>"


class _ControlledRLock:
    """threading.RLock for the tasks of a run (the owner may take it again)."""

    def __init__(self, run: _Run) -> None:
        self._run = run
        self._real = _REAL_RLOCK()
        self._owner: _Task | None = None
        self._depth = 0
        self.name = run.label("rlock")

    def owner(self) -> _Task | None:
        return self._owner

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        run = self._run
        task = run.me() if run is _active else None
        if task is None:
            return self._real.acquire(blocking, timeout)
        if self._owner is not task:
            run.step(f"acquire {self.name}")
            limit = None if timeout is None or timeout < 0 else timeout
            if not run.block(lambda: self._depth == 0, limit if blocking else 0, self, f"waits for {self.name}"):
                return False
        self._real.acquire()
        self._owner, self._depth = task, self._depth + 1
        return True

    def release(self) -> None:
        if self._run is not _active or self._run.me() is None:
            self._real.release()
            return
        if self._owner is not self._run.me():
            raise RuntimeError("cannot release un-acquired lock")
        self._real.release()
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._run.step(f"release {self.name}")

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _release_save(self) -> int:
        depth = self._depth
        for _ in range(depth):
            self.release()
        return depth

    def _acquire_restore(self, depth: int) -> None:
        for _ in range(depth):
            self.acquire()

    def _is_owned(self) -> bool:
        return self._owner is not None and self._owner is self._run.me()

    def _at_fork_reinit(self) -> None:
        self._real, self._owner, self._depth = _REAL_RLOCK(), None, 0


class _ControlledCondition:
    """threading.Condition for the tasks of a run, over a controlled lock."""

    def __init__(self, run: _Run, lock: Any = None) -> None:
        self._run = run
        self._lock = lock if lock is not None else _ControlledRLock(run)
        self._waiters: list[list[bool]] = []
        self.acquire, self.release = self._lock.acquire, self._lock.release
        self.name = getattr(self._lock, "name", "a lock")

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._lock.__exit__(*exc)

    def _save(self) -> Any:
        if hasattr(self._lock, "_release_save"):
            return self._lock._release_save()
        self._lock.release()
        return None

    def _restore(self, saved: Any) -> None:
        if hasattr(self._lock, "_acquire_restore"):
            self._lock._acquire_restore(saved)
        else:
            self._lock.acquire()

    def wait(self, timeout: float | None = None) -> bool:
        run = self._run
        if run is not _active or run.me() is None:
            raise RuntimeError("a controlled Condition used outside its checked run")
        token = [False]
        self._waiters.append(token)
        saved = self._save()
        try:
            notified = run.block(lambda: token[0], timeout, self, f"waits on the condition of {self.name}")
        finally:
            if not token[0] and token in self._waiters:
                self._waiters.remove(token)
            self._restore(saved)
        return notified

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        end = None if timeout is None else self._run.clock + timeout
        result = predicate()
        while not result:
            left = None if end is None else end - self._run.clock
            if left is not None and left <= 0:
                break
            self.wait(left)
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        for token in self._waiters[:n]:
            token[0] = True
        del self._waiters[:n]
        self._run.step(f"notify on {self.name}")

    def notify_all(self) -> None:
        self.notify(len(self._waiters))

    notifyAll = notify_all


# --------------------------------------------------------------------------- patches

def _factory(make: Callable[[_Run], Any], real: Callable[..., Any]) -> Callable[..., Any]:
    def create(*args: Any, **kwargs: Any) -> Any:
        run = _active
        if run is not None and run.controls_creation():
            return make(run, *args, **kwargs)
        return real(*args, **kwargs)

    return create


def controls_this_thread() -> bool:
    """Whether the calling thread runs under a scheduler's control, on its virtual clock (a bound measured there
    is virtual time: ``course.bounded`` then waits once, as the scheduler counts it)."""
    run = _active
    return run is not None and run.me() is not None


def _clock(real: Callable[[], float], virtual: Callable[[_Run], float]) -> Callable[[], float]:
    def now() -> float:
        run = _active
        return virtual(run) if run is not None and run.me() is not None else real()

    now.__name__ = real.__name__
    return now


def _sleep(seconds: float) -> None:
    run = _active
    task = run.me() if run is not None else None
    if task is None:
        _real_sleep(seconds)
        return
    run.step(f"sleep({seconds:g})")
    if seconds > 0:
        run.block(lambda: False, seconds, None, f"sleeps {seconds:g} s")


def _start(thread: threading.Thread) -> None:
    run = _active
    if run is None or run.me() is None:
        _REAL[(threading.Thread, "start")](thread)
        return
    task = run.adopt(thread)
    _REAL[(threading.Thread, "start")](thread)
    run.step(f"start {task.name}")


def _task_of(run: _Run, thread: threading.Thread) -> _Task | None:
    return next((t for t in run.tasks if t.thread is thread), None)


def _join(thread: threading.Thread, timeout: float | None = None) -> None:
    run = _active
    target = _task_of(run, thread) if run is not None and run.me() is not None else None
    if target is None:
        _REAL[(threading.Thread, "join")](thread, timeout)
        return
    if thread is threading.current_thread():
        raise RuntimeError("cannot join current thread")
    run.step(f"join {target.name}")
    if run.block(lambda: target.done, timeout, None, f"joins {target.name}"):
        _REAL[(threading.Thread, "join")](thread, STALL_SECONDS)


def _is_alive(thread: threading.Thread) -> bool:
    run = _active
    target = _task_of(run, thread) if run is not None and run.me() is not None else None
    return not target.done if target is not None else _REAL[(threading.Thread, "is_alive")](thread)


_PATCHES = {
    (threading, "Lock"): _factory(_ControlledLock, _REAL_LOCK),
    (threading, "RLock"): _factory(_ControlledRLock, _REAL_RLOCK),
    (threading, "Condition"): _factory(_ControlledCondition, threading.Condition),
    (threading, "_time"): _clock(time.monotonic, lambda r: r.epoch + r.clock),
    (queue, "time"): _clock(time.monotonic, lambda r: r.epoch + r.clock),
    (time, "sleep"): _sleep,
    (queue, "SimpleQueue"): _factory(lambda run: queue._PySimpleQueue(), queue.SimpleQueue),  # type: ignore[attr-defined]
    (time, "monotonic"): _clock(time.monotonic, lambda r: r.epoch + r.clock),
    (time, "perf_counter"): _clock(time.perf_counter, lambda r: r.epoch + r.clock),
    (time, "time"): _clock(time.time, lambda r: r.wall + r.clock),
    (threading.Thread, "start"): _start,
    (threading.Thread, "join"): _join,
    (threading.Thread, "is_alive"): _is_alive,
}
_BY_REAL = {id(real): _PATCHES[key] for key, real in _REAL.items()
            if key[1] not in ("start", "join", "is_alive", "SimpleQueue")}


def _namespaces(objects: tuple[Any, ...]) -> list[dict[str, Any]]:
    """The namespaces of the student code among ``objects``: its globals and its classes' attributes."""
    found: dict[int, dict[str, Any]] = {}
    for obj in objects:
        cls = obj if isinstance(obj, type) else type(obj)
        candidates = [obj] + [getattr(v, "fget", v) for c in cls.__mro__ for v in vars(c).values()]
        for f in candidates:
            if isinstance(f, FunctionType) and is_student_code(f.__code__):
                found[id(f.__globals__)] = f.__globals__
    return list(found.values())


_REAL_LOCK_TYPES = (type(_REAL_LOCK()), type(_REAL_RLOCK()))


def _substitutes(run: _Run, objects: tuple[Any, ...]) -> list[tuple[Any, str, Any, Any]]:
    """(owner, name, real, controlled) for the primitives student code reaches by a name of its own.

    ``from threading import Lock`` or ``time.sleep`` bound to a global, and locks made when the cell ran
    (``_bank = threading.Lock()`` at module or class level), would otherwise be real ones under the run.
    """
    found = []
    classes = [c for obj in objects for c in (obj if isinstance(obj, type) else type(obj)).__mro__
               if c.__module__ == "__main__"]
    for owner, namespace in [(ns, ns) for ns in _namespaces(objects)] + [(c, dict(vars(c))) for c in classes]:
        for name, value in list(namespace.items()):
            if name.startswith("__"):
                continue
            if id(value) in _BY_REAL:
                found.append((owner, name, value, _BY_REAL[id(value)]))
            elif isinstance(value, _REAL_LOCK_TYPES) and not _held(value):
                kind = _ControlledLock if isinstance(value, _REAL_LOCK_TYPES[0]) else _ControlledRLock
                controlled = kind(run)
                controlled.name = name
                found.append((owner, name, value, controlled))
    return found


def _held(lock: Any) -> bool:
    if lock.acquire(False):
        lock.release()
        return False
    return True


def _put(owner: Any, name: str, value: Any) -> None:
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


@contextlib.contextmanager
def _patched(run: _Run, student: tuple[Any, ...]) -> Iterator[None]:
    """Make ``run`` the active run and install the controlled versions, restoring everything after."""
    global _active  # noqa: PLW0603 -- one run at a time, process-wide, like the patches themselves
    if _active is not None:
        raise RuntimeError("course.interleave: a checked run is already active")
    substitutes = _substitutes(run, student)
    collecting = gc.isenabled()
    gc.disable()  # a collection at a moment that depends on earlier runs could run finalizers that take steps
    _active = run
    try:
        for (owner, attr), value in _PATCHES.items():
            setattr(owner, attr, value)
        for owner, name, _, controlled in substitutes:
            _put(owner, name, controlled)
        yield
    finally:
        for (owner, attr), value in _REAL.items():
            setattr(owner, attr, value)
        for owner, name, real, _ in substitutes:
            _put(owner, name, real)
        _active = None
        if collecting:
            gc.enable()


def step(label: str) -> None:
    """A switch point labelled ``label`` in the calling thread, if it belongs to the active run."""
    run = _active
    if run is not None and run.me() is not None:
        run.step(label)


def steps_so_far() -> int:
    """How many steps all threads of the active run have taken (0 outside a run): a measure of work done."""
    run = _active
    return len(run.steps) if run is not None else 0


# --------------------------------------------------------------------------- the search

Scenario = Callable[[], tuple[dict[str, Callable[[], Any]], Callable[[], str | None]]]


@dataclasses.dataclass
class Outcome:
    """What ``explore`` found: ``problem`` is None when every explored schedule passed."""

    runs: int
    problem: str | None = None
    steps: str = ""
    schedule: list[str] = dataclasses.field(default_factory=list)
    preemptions: int = 0
    errors: list[tuple[str, BaseException]] = dataclasses.field(default_factory=list)
    events: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (thread, step), in order

    def report(self, replay: str) -> str:
        """The counterexample as a student reads it; ``replay`` is the call with ``{schedule}`` to fill in."""
        if self.problem is None:
            return f"all {self.runs} schedules explored passed"
        return (f"{self.problem}\nThe schedule that shows it (found after {self.runs} schedule(s), "
                f"{self.preemptions} preemption(s)):\n  {self.steps}\n"
                f"Replay it: {replay.format(schedule=self.schedule)}\n"
                f"Draw it: `from course import interleave; interleave.last_failure().plot()`")

    def timeline(self) -> Timeline:
        """The schedule as a course Timeline: a bar for each stretch one thread ran, a tick for each step
        that is not a line of code (a read, a write, a lock, a sleep, a start, a join); time is the step number."""
        timeline = Timeline()
        begin = 0
        for k, (thread, label) in enumerate(self.events):
            if not label.startswith(("`", "line ")) and label != "ends":
                timeline.add(Mark(thread, label, k + 0.5))
            if k + 1 == len(self.events) or self.events[k + 1][0] != thread:
                timeline.add(Span(thread, "runs", begin, k + 1))
                begin = k + 1
        return timeline

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the schedule (see ``timeline``) and return the Axes."""
        ax = self.timeline().plot(ax, title=self.problem.splitlines()[0][:90] if self.problem else "every schedule passed")
        ax.set_xlabel("step of the schedule")
        return ax


_LAST: dict[str, Outcome] = {}  # filled in place (the grading guard watches this module's names)


def last_failure() -> Outcome | None:
    """The Outcome of the last search that found a failing schedule, to draw or to study."""
    return _LAST.get("failure")


def _run_once(scenario: Scenario, chooser: _Chooser, student: tuple[Any, ...],
              traced: Callable[[CodeType], bool], max_steps: int) -> tuple[_Run, str | None]:
    run = _Run(chooser, traced, max_steps)
    with _patched(run, student):
        roots, verify = scenario()
        run.execute(roots)
    problem = run.problem
    if problem is None and run.errors:
        name, exc = run.errors[0]
        problem = f"{name} raised {exc!r}"
    return run, problem or verify()


def explore(scenario: Scenario, *, student: tuple[Any, ...] = (), preemptions: int = 2, max_runs: int = 400,
            seed: int | None = None, schedule: list[str] | None = None,
            traced: Callable[[CodeType], bool] = is_student_code, max_steps: int = MAX_STEPS) -> Outcome:
    """Run ``scenario`` under schedules until one fails or the search is done; deterministic.

    ``scenario()`` (called once per run, while the controlled primitives are installed) makes fresh
    state and returns the threads to start (name → body) and a verdict function (a message, or None).
    By default the search is exhaustive up to ``preemptions`` preemptions, fewest first (most real bugs
    need one or two), stopping at ``max_runs``; with ``seed``, ``max_runs`` PCT runs instead; with
    ``schedule`` (thread names, as an Outcome gives), exactly that schedule. ``student`` are the
    student's objects, whose namespaces get the controlled primitives too. A run of more than
    ``max_steps`` steps fails as a busy loop.
    """
    if schedule is not None:
        run, problem = _replay(scenario, schedule, student, traced, max_steps)
        return _outcome(1, run, problem)
    if seed is not None:
        for n in range(max_runs):
            run, problem = _run_once(scenario, _Chooser(seed=seed * 1_000_003 + n), student, traced, max_steps)
            if problem:
                return _outcome(n + 1, run, problem)
        return Outcome(max_runs)
    frontier: list[tuple[int, int, list[int | str]]] = [(0, 0, [])]
    runs = 0
    while frontier and runs < max_runs:
        cost, _, forced = heapq.heappop(frontier)
        run, problem = _run_once(scenario, _Chooser(forced), student, traced, max_steps)
        runs += 1
        if problem:
            return _outcome(runs, run, problem)
        spent = 0
        chosen = [d.chosen for d in run.decisions]
        for i, d in enumerate(run.decisions):
            if i >= len(forced):
                for option in d.options:
                    cost = spent + (d.running is not None and option != d.running)
                    if option != d.chosen and cost <= preemptions:
                        heapq.heappush(frontier, (cost, i + 1, [*chosen[:i], option]))
            spent += d.preemption
    return Outcome(runs)


def _replay(scenario: Scenario, schedule: list[str], student: tuple[Any, ...],
            traced: Callable[[CodeType], bool], max_steps: int) -> tuple[_Run, str | None]:
    chooser = _Chooser(list(schedule))
    run, problem = _run_once(scenario, chooser, student, traced, max_steps)
    if chooser.diverged:
        problem = (problem or "") + (" (this schedule did not fit the code: it names a thread that could not "
                                     "run at that point; did the code change since the schedule was printed?)")
    return run, problem


def _outcome(runs: int, run: _Run, problem: str | None) -> Outcome:
    outcome = Outcome(runs, problem, run.describe(), run.schedule(), sum(d.preemption for d in run.decisions),
                      list(run.errors), [(run.tasks[i].name, label) for i, label in run.steps])
    if problem is not None:
        _LAST["failure"] = outcome
    return outcome
