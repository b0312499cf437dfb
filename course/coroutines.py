"""Coroutines made visible: a reference generator scheduler, a timeline per task, and the cost of many sleepers.

- ``Scheduler`` is the round-robin scheduler of generator tasks that Chapter 6's first exercise asks for.
  The checks compare a student's scheduler with it, step by step, so its rules are spelled out here.
- ``TaskTimeline`` is a :class:`course.timeline.Timeline` with one row per *task*. All the tasks of an
  event loop run in one thread, so a thread timeline would draw them in a single row and hide the very
  interleaving a reader should see.
- ``run_loop`` is the tiny event loop Chapter 6 builds from generators, grown by one step: a task yields
  how long it wants to sleep (a timer), or ``ReadWait(sock)`` to sleep until a socket has data, watched
  through ``selectors`` as asyncio's selector loop does. The chapter shows its source rather than a copy.
- ``measure_sleepers`` starts many waiting asyncio tasks or threads in a fresh interpreter and reports
  what they cost in time and memory. A fresh interpreter, because the kernel's own memory and threads
  would blur the figures, and because thousands of threads should not be started inside a kernel.
"""
from __future__ import annotations

import asyncio
import contextlib
import heapq
import inspect
import itertools
import json
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from course.timeline import Mark, Span, Timeline

__all__ = ["ReadWait", "Scheduler", "SleeperCost", "TaskTimeline", "measure_sleepers", "run_loop"]


class Scheduler:
    """Run generator tasks in turn, round robin (轮转), in one thread.

    Rules (the first exercise of Chapter 6 states the same ones):

    - ``spawn(gen)`` puts a task at the back of the ready queue and returns its id: 0, 1, 2, … in
      spawn order.
    - ``run()`` takes the task at the front, resumes it with ``send`` and, when it yields, puts it at the
      back again, until no task is left; it returns ``{task id: the task's return value}``.
    - A task that yields a generator spawns it as a new task (which joins the queue first) and, on its
      next turn, receives the new task's id as the value of that ``yield``. Any other value it yields
      just passes the turn.
    """

    def __init__(self) -> None:
        self._ready: deque[tuple[int, Generator[Any, Any, Any], Any]] = deque()
        self._next_id = 0

    def spawn(self, task: Generator[Any, Any, Any]) -> int:
        """Queue ``task`` (a generator) behind the others and return its id."""
        task_id = self._next_id
        self._next_id += 1
        self._ready.append((task_id, task, None))
        return task_id

    def run(self) -> dict[int, Any]:
        """Run every task to its end, one step at a time, and return their return values by task id."""
        results: dict[int, Any] = {}
        while self._ready:
            task_id, task, reply = self._ready.popleft()
            try:
                request = task.send(reply)  # the first send(None) primes a new generator
            except StopIteration as finished:
                results[task_id] = finished.value
                continue
            reply = self.spawn(request) if inspect.isgenerator(request) else None
            self._ready.append((task_id, task, reply))
        return results


@dataclass(frozen=True)
class ReadWait:
    """What a task of ``run_loop`` yields to sleep until ``sock`` can be read without blocking."""

    sock: socket.socket


def run_loop(*tasks: Generator[Any, Any, Any], limit: float = 10.0) -> None:
    """Run generator tasks that yield seconds to sleep (0 passes the turn) or ``ReadWait(sock)``.

    With no task ready, the loop waits in the selector until a watched socket is readable or the next timer
    is due, whichever comes first: one wait for both kinds of wake-up. ``limit`` bounds the whole run, so a
    task that waits for data that never comes raises TimeoutError instead of hanging.
    """
    ready, timers, tie = deque(tasks), [], itertools.count()  # timers: a heap of (wake-up time, tie, task)
    deadline = time.monotonic() + limit
    with selectors.DefaultSelector() as selector:
        while ready or timers or selector.get_map():
            if time.monotonic() > deadline:
                raise TimeoutError(f"run_loop: tasks still waiting after {limit} s")
            if not ready:
                _sleep_until(selector, min(timers[0][0] if timers else deadline, deadline), ready)
            while timers and timers[0][0] <= time.monotonic():
                ready.append(heapq.heappop(timers)[2])  # due: ready to run again
            if not ready:
                continue
            task = ready.popleft()
            try:
                request = next(task)
            except StopIteration:
                continue
            if isinstance(request, ReadWait):
                selector.register(request.sock, selectors.EVENT_READ, data=task)
            else:
                heapq.heappush(timers, (time.monotonic() + request, next(tie), task))


def _sleep_until(selector: selectors.BaseSelector, until: float, ready: deque) -> None:
    """Sleep until a watched socket is readable (its task joins ``ready``) or the monotonic time ``until``."""
    timeout = max(0.0, until - time.monotonic())
    if not selector.get_map():  # nothing to watch (Windows' select() refuses empty lists): a timer only
        time.sleep(timeout)
        return
    for key, _ in selector.select(timeout):
        selector.unregister(key.fileobj)
        ready.append(key.data)  # data arrived: its task can run again


class TaskTimeline(Timeline):
    """A Timeline whose rows are tasks: the running asyncio task's name, or a ``task`` name given.

    Outside any asyncio task and with no name given, the row is the thread's name, as in a Timeline.
    """

    @staticmethod
    def _row(task: str | None) -> str:
        if task is not None:
            return task
        with contextlib.suppress(RuntimeError):  # no running event loop in this thread
            if (current := asyncio.current_task()) is not None:
                return current.get_name()
        return threading.current_thread().name

    @contextlib.contextmanager
    def span(self, label: str, task: str | None = None) -> Iterator[None]:
        """Record the time the ``with`` block takes under ``label``, in the row of the current task."""
        row, start = self._row(task), self.now()
        try:
            yield
        finally:
            finished = Span(row, label, start, self.now())
            with self._lock:
                self._spans.append(finished)

    def mark(self, label: str, task: str | None = None) -> None:
        """Record an instant event called ``label`` in the row of the current task."""
        event = Mark(self._row(task), label, self.now())
        with self._lock:
            self._marks.append(event)


@dataclass(frozen=True)
class SleeperCost:
    """What ``count`` sleepers of one ``kind`` ("tasks" or "threads") cost in a fresh interpreter."""

    kind: str
    count: int
    start_seconds: float  # to create and start them all, until every one of them is waiting
    finish_seconds: float  # from releasing them all until every one has finished
    memory_kib: int  # resident memory added while all of them were waiting at once


def measure_sleepers(kind: str, count: int, runs: int = 2, timeout: float = 60.0) -> SleeperCost:
    """Start ``count`` asyncio tasks or threads that all wait for one release, in a new interpreter.

    Each sleeper waits on an Event (asyncio's or threading's) rather than for a fixed time, so that all
    of them exist at the same moment, when the memory is read, however long starting them takes.
    Of ``runs`` runs, the one that started fastest is returned: other processes on the machine can only
    ever slow a run down, and starting threads is very sensitive to them.
    """
    if kind not in _SLEEPERS:
        raise ValueError(f"kind must be one of {sorted(_SLEEPERS)}, not {kind!r}")
    code = f"from course.coroutines import _measure_here; _measure_here({kind!r}, {int(count)})"
    measured = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"measuring {count} {kind} failed:\n{done.stderr[-2000:]}")
        measured.append(SleeperCost(**json.loads(done.stdout)))
    return min(measured, key=lambda cost: cost.start_seconds)


def _resident_kib() -> int:
    """This process's resident memory in KiB: VmRSS on Linux, else the peak so far from getrusage.

    The peak serves as well here: memory only grows while the sleepers are being started.
    """
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


def _threads(count: int) -> tuple[float, int, float]:
    release = threading.Event()
    began, memory = time.perf_counter(), _resident_kib()
    threads = [threading.Thread(target=release.wait) for _ in range(count)]
    for thread in threads:
        thread.start()
    started, memory = time.perf_counter(), _resident_kib() - memory
    release.set()
    for thread in threads:
        thread.join()
    return started - began, memory, time.perf_counter() - started


async def _tasks(count: int) -> tuple[float, int, float]:
    release = asyncio.Event()
    began, memory = time.perf_counter(), _resident_kib()
    tasks = [asyncio.create_task(release.wait()) for _ in range(count)]
    await asyncio.sleep(0)  # one pass of the loop: every task runs up to its wait
    started, memory = time.perf_counter(), _resident_kib() - memory
    release.set()
    await asyncio.gather(*tasks)
    return started - began, memory, time.perf_counter() - started


_SLEEPERS = {"threads": _threads, "tasks": lambda count: asyncio.run(_tasks(count))}


def _measure_here(kind: str, count: int) -> None:
    """Measure in this (fresh) interpreter and print the SleeperCost as JSON: ``measure_sleepers`` runs it."""
    start_seconds, memory_kib, finish_seconds = _SLEEPERS[kind](count)
    cost = SleeperCost(kind, count, start_seconds, finish_seconds, memory_kib)
    print(json.dumps(asdict(cost)))
