"""Measure what the GIL does on the reader's machine: who waits for it, and what threads and processes gain.

Chapter 3 states nothing about speed that a cell does not measure, so the measurements live here:

- ``tick_gaps`` runs a ticker thread that naps 1 ms at a time, like a thread waiting for I/O, while other
  work runs; how late its ticks come shows when that work hands the GIL over (at every switch interval,
  only when a long C call returns, or not at all because it let go of the GIL), and the convoy effect.
- ``speedups`` times the same items on warm pools of threads or processes against a plain loop.
- ``gil_enabled`` / ``gil_status`` say what the running interpreter is: a GIL build, or a free-threaded one (PEP 703).
- ``Witness`` proves that another thread ran in the middle of one bytecode instruction, when that instruction
  calls Python code (``__add__``, ``__hash__``, a property, ``__del__``): the hook spins, never blocks, until
  the other thread has run.
- ``thread_speedups_with_gil`` measures thread speedups in a fresh interpreter of this Python with the GIL
  enabled (``-X gil=1``), the other half of a side-by-side comparison on a free-threaded build.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import multiprocessing.pool
import os
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course import workloads
from course.processes import best_time, usable_cores

if TYPE_CHECKING:  # matplotlib is imported only when drawing: child processes import this module too.
    from matplotlib.axes import Axes

__all__ = ["usable_cores", "gil_enabled", "gil_status", "switch_interval", "tick_gaps", "in_process", "warm_pool", "speedups",
           "plot_speedups", "BUSY", "Witness", "thread_speedups_with_gil"]


def gil_enabled() -> bool:
    """Whether this interpreter runs with the GIL right now: always before 3.13, ``sys._is_gil_enabled()`` after."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


def gil_status() -> str:
    """One paragraph on this interpreter: its version, whether it is a free-threaded build, whether the GIL is on.

    ``sys._is_gil_enabled`` exists from Python 3.13 on; older versions always have the GIL, and say so.
    """
    version = ".".join(map(str, sys.version_info[:3]))
    if not hasattr(sys, "_is_gil_enabled"):
        return (f"Python {version} has no free-threaded build (those start with 3.13): "
                f"this interpreter always runs with the GIL.")
    built_without = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    enabled = sys._is_gil_enabled()
    build = "a free-threaded build (PEP 703)" if built_without else "a standard build"
    state = "the GIL is enabled" if enabled else "the GIL is disabled: threads run Python code in parallel"
    note = " (an extension module or PYTHON_GIL=1 turned it back on)" if built_without and enabled else ""
    subinterpreters = find_spec("concurrent.interpreters") is not None
    return (f"Python {version} is {build}; right now {state}{note}. concurrent.interpreters "
            f"(subinterpreters, 3.14+) is {'available' if subinterpreters else 'not available'}.")


@contextlib.contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    """Set ``sys.setswitchinterval(seconds)`` for the block and restore the previous value after it."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def tick_gaps(busy: Callable[..., Any], *args: Any, nap: float = 0.001) -> list[float]:
    """Call ``busy(*args)`` while a ticker thread naps ``nap`` seconds between ticks; return the gaps (s).

    Each gap is a nap plus the time the ticker then waited to run again, mostly for the GIL. Every gap that
    overlaps the call counts: a C call that keeps the GIL throughout shows as one gap as long as the call.
    The call starts only once the ticker has ticked ``SETTLE_TICKS`` times, and the ticker stops only after a
    tick that came after the call, so there is always a gap that spans the call's end, however long a loaded
    machine keeps the new thread from running (fixed sleeps around the call once left a list empty). The
    ticker is joined before this returns.
    """
    ticks: list[float] = []
    settled, stop = threading.Event(), threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            if len(ticks) >= SETTLE_TICKS:
                settled.set()
            time.sleep(nap)

    thread = threading.Thread(target=ticker, name="ticker", daemon=True)
    thread.start()
    settled.wait(TICKER_WAIT_SECONDS)  # let the ticker settle into its rhythm first
    began = time.perf_counter()
    try:
        busy(*args)
    finally:
        ended = time.perf_counter()
        deadline = ended + TICKER_WAIT_SECONDS
        while (not ticks or ticks[-1] < ended) and time.perf_counter() < deadline:  # the tick ending the last gap
            time.sleep(nap)
        stop.set()
        thread.join()
    return [later - earlier for earlier, later in itertools.pairwise(ticks) if later >= began and earlier <= ended]


SETTLE_TICKS = 5  # ticks before the measured call starts
TICKER_WAIT_SECONDS = 10.0  # a bound on waiting for the ticker's ticks: it comes only when something is badly wrong


BUSY: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
    "sleeping": (time.sleep, (0.25,)),
    "a pure-Python loop": (workloads.spin, (0.25,)),
    "one C call that keeps the GIL (sum)": (workloads.sum_of_range, (10**7,)),
    "C code that lets go of the GIL (sha256)": (workloads.sha256_of_zeros, (128,)),
}
"""Work for the calling thread while ``tick_gaps`` ticks: one of each way of holding the GIL, about 0.1-0.3 s."""


def in_process(fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` in a child process and wait for it: CPU work that competes for cores, not for our GIL.

    ``fn`` must be importable (e.g. from ``course.workloads``) for spawn and forkserver.
    """
    child = multiprocessing.Process(target=fn, args=args)
    child.start()
    child.join()


@contextlib.contextmanager
def warm_pool(kind: str, workers: int) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of ``workers`` threads (``kind="threads"``) or processes whose workers have all started.

    Process start-up (tens of milliseconds with spawn) would otherwise be timed as if it were work: a
    barrier in each worker's initializer holds this function until every worker is up. The pool is closed
    and joined at the end of the block, so no worker outlives it.
    """
    if kind == "threads":
        pool = multiprocessing.pool.ThreadPool(workers)
    elif kind == "processes":
        barrier = multiprocessing.Barrier(workers + 1)
        pool = multiprocessing.Pool(workers, initializer=workloads.wait_at, initargs=(barrier,))
        barrier.wait(60)
    else:
        raise ValueError(f"kind must be 'threads' or 'processes', not {kind!r}")
    try:
        yield pool
    finally:
        pool.close()
        pool.join()


def speedups(fn: Callable[[Any], Any], items: Sequence[Any], kind: str, worker_counts: Sequence[int],
             repeat: int = 2) -> list[float]:
    """How many times faster ``fn`` runs over ``items`` on a warm pool of each size than in a plain loop.

    Each time is the best of ``repeat`` runs. ``fn`` must be importable for processes. One item per task
    (chunksize 1), so that every worker gets some.
    """
    alone = best_time(lambda: [fn(item) for item in items], repeat=repeat)
    result = []
    for workers in worker_counts:
        with warm_pool(kind, workers) as pool:
            result.append(alone / best_time(lambda: pool.map(fn, items, chunksize=1), repeat=repeat))
    return result


def plot_speedups(curves: dict[str, list[float]], worker_counts: Sequence[int], ax: Axes | None = None) -> Axes:
    """Draw measured speedups against the workers, with the two ideals: one per worker for waiting, and
    one per worker up to the usable cores for computing."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    cores = usable_cores()
    ax.plot(worker_counts, worker_counts, color="gray", linewidth=6, alpha=0.25, label="ideal for waiting")
    ax.plot(worker_counts, [min(w, cores) for w in worker_counts], color="black", linewidth=1.5, linestyle=":",
            label=f"ideal for computing on {cores} core{'s' * (cores > 1)}")
    for label, values in curves.items():
        ax.plot(worker_counts, values, "o-", label=label)
    ax.set(xticks=list(worker_counts), xlabel="workers in the pool", ylabel="speedup over a plain loop (times)",
           title="Same items, more workers: who gains?")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return ax


class Witness:
    """Shows whether another thread ran in the middle of an operation, by a hook that the operation calls.

    Inside the block, a Python hook of the operation (its ``__add__``, ``__hash__``, property or ``__del__``)
    calls ``spin()``: that wakes a waiting witness thread, then loops in pure Python, with no blocking call,
    until the witness has run or ``timeout`` has passed. A loop that never blocks lets the witness run only
    at a switch point, so ``ran_inside`` is True only if the single operation reached one. ``waited`` is how
    long the hook spun: on a GIL build, at least a switch interval. The witness is joined when the block ends.
    """

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self.ran_inside = False
        self.waited = 0.0
        self._inside, self._ran = threading.Event(), threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._watch, name="witness", daemon=True)

    def _watch(self) -> None:
        if self._inside.wait(self.timeout) and not self._closing:
            self._ran.set()

    def __enter__(self) -> Witness:
        self._thread.start()
        return self

    def spin(self) -> None:
        """Wake the witness, then spin without blocking until it has run; call it once, from the hook."""
        began = time.perf_counter()
        self._inside.set()
        while not self._ran.is_set() and time.perf_counter() - began < self.timeout:
            pass
        self.waited = time.perf_counter() - began
        self.ran_inside = self._ran.is_set()

    def __exit__(self, *exc_info: object) -> None:
        self._closing = True
        self._inside.set()
        self._thread.join(self.timeout)


def thread_speedups_with_gil(fn: Callable[[Any], Any], items: Sequence[Any], worker_counts: Sequence[int],
                             timeout: float = 120.0) -> list[float]:
    """``speedups(fn, items, "threads", worker_counts)`` measured in a fresh interpreter of this Python started
    with the GIL enabled (``-X gil=1``).

    On a free-threaded build running without the GIL, this is the same Python with the GIL on: the other half
    of the comparison. ``fn`` must be importable and ``items`` JSON values; the child is bounded by ``timeout``.
    """
    if not hasattr(sys, "_is_gil_enabled"):
        raise RuntimeError(f"Python {sys.version_info.major}.{sys.version_info.minor} has no free-threaded build: "
                           "it always runs with the GIL, so there is nothing to compare (Python 3.13+ has one).")
    code = ("import importlib, json, sys; from course import gil; module, name, items, workers = json.loads(sys.argv[1]); "
            "fn = getattr(importlib.import_module(module), name); "
            "print(json.dumps(gil.speedups(fn, items, 'threads', workers)))")
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))}
    argument = json.dumps([fn.__module__, fn.__qualname__, list(items), list(worker_counts)])
    child = subprocess.run([sys.executable, "-X", "gil=1", "-c", code, argument], capture_output=True, text=True,
                           timeout=timeout, env=env, check=False)
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"the interpreter started with -X gil=1 failed: {last}")
    return json.loads(child.stdout.splitlines()[-1])
