"""Checks for the exercises of Chapter 3 (the GIL): choose_tool, fetch_all and crunch_all.

A grading machine may be loaded and may have two cores, so the verdicts rest on structure, recorded as the
student's code runs: the fake I/O counts how many of its calls wait at the same time, and the CPU work
notes the process it runs in. The one speed criterion compares the student's speedup with a reference
pool's, measured in the same check, and asks for 40 % of it.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import workloads
from course.bounded import call_within, no_leftover_threads
from course.processes import no_leftover_processes, usable_cores

SECONDS = 5  # bound on a call that only thinks
RUNNING_SECONDS = 60  # bound on a call that starts processes (spawn is slow on a loaded machine)

_HOLDS = "so threads take turns on one core while processes compute on all of them: processes"
_WAITS = "and a waiting thread does not hold the GIL, so threads overlap the waits as well as processes, and cost less: threads"
TOOLS: dict[Callable[..., Any], tuple[str, str]] = {
    workloads.count_primes: ("processes", f"count_primes is pure-Python computation: it holds the GIL but for switches, {_HOLDS}"),
    workloads.sleepy_square: ("threads", f"sleepy_square spends its time waiting, like a network call, {_WAITS}"),
    workloads.sha256_of_zeros: ("threads", "hashlib lets go of the GIL while it hashes a large buffer, so threads compute in parallel on all cores, and cost less than processes: threads"),
    workloads.sum_of_range: ("processes", f"sum(range(n)) is one call into C that keeps the GIL until it returns, {_HOLDS}"),
    workloads.compress_pattern: ("threads", "zlib lets go of the GIL while it compresses, so threads compress in parallel on all cores, and cost less than processes: threads"),
    workloads.sort_bytes: ("processes", f"sorted() runs in C but keeps the GIL throughout, {_HOLDS}"),
}


# --------------------------------------------------------------------------- Exercise 1: choose_tool

def _check_choices(choose_tool: Callable[[Any], Any], tasks: Sequence[Callable[..., Any]]) -> None:
    for task in tasks:
        got = call_within(SECONDS, choose_tool, task)
        right, why = TOOLS[task]
        assert got in ("threads", "processes"), f"choose_tool({task.__name__}) returned {got!r}: return 'threads' or 'processes'."
        assert got == right, f"choose_tool({task.__name__}) returned {got!r}, but {why}."


def chooses_for_python_and_waiting(choose_tool: Callable[[Any], Any]) -> None:
    """Pure-Python computation needs processes; waiting needs only threads."""
    _check_choices(choose_tool, [workloads.count_primes, workloads.sleepy_square])


def chooses_for_c_code(choose_tool: Callable[[Any], Any]) -> None:
    """C code: threads when it lets go of the GIL, processes when it keeps it (the chapter's two examples)."""
    _check_choices(choose_tool, [workloads.sha256_of_zeros, workloads.sum_of_range])


def chooses_for_more_c_code(choose_tool: Callable[[Any], Any]) -> None:
    """C code the chapter lists but does not measure: zlib lets go of the GIL, sorted() keeps it."""
    _check_choices(choose_tool, [workloads.compress_pattern, workloads.sort_bytes])


# --------------------------------------------------------------------------- Exercise 2: fetch_all

class OverlapProbe:
    """A fake download that records how many calls wait at once.

    Each call waits (at most ``patience`` seconds) until ``needed`` calls have been in flight together,
    so a concurrent caller reaches the peak on every run, however loaded the machine; a caller that makes
    one call at a time pays ``patience`` once, and later calls no longer wait.
    """

    def __init__(self, needed: int, patience: float = 1.0, nap: float = 0.01) -> None:
        self.needed, self.patience, self.nap = needed, patience, nap
        self.in_flight = self.peak = self.calls = 0
        self.gave_up = False
        self._changed = threading.Condition()

    def __call__(self, url: Any) -> str:
        with self._changed:
            self.calls += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self._changed.notify_all()
            if not self._changed.wait_for(lambda: self.peak >= self.needed or self.gave_up, self.patience):
                self.gave_up = True
                self._changed.notify_all()
        time.sleep(self.nap)
        with self._changed:
            self.in_flight -= 1
        return f"page at {url}"


def _fetch(fetch_all: Callable[..., Any], urls: list[str], fetch: Callable[[str], str]) -> list[Any]:
    with no_leftover_threads():
        try:
            got = call_within(RUNNING_SECONDS, fetch_all, urls, fetch)
        except Exception as error:
            if "pickle" not in str(error):
                raise
            raise AssertionError(
                f"fetch_all tried to send fetch to another process ({error}). Waiting needs no process of its "
                f"own: run the calls in threads, which share fetch with you."
            ) from error
    assert got is not None, "fetch_all returned None: return the list of pages."
    return list(got)


def fetch_all_keeps_order(fetch_all: Callable[..., Any], count: int = 8) -> None:
    """One page per URL, in the order of the URLs, even when later URLs answer first."""
    urls = [f"https://example.org/{i}" for i in range(count)]
    delays = dict(zip(urls, reversed(range(count))))

    def fetch(url: str) -> str:
        time.sleep(0.01 * delays[url])  # the last URL answers first
        return f"page at {url}"

    got = _fetch(fetch_all, urls, fetch)
    want = [f"page at {url}" for url in urls]
    assert sorted(got) == sorted(want), f"fetch_all should return one page per URL, {want[:2]}…, but returned {got[:3]}…"
    assert got == want, (
        "fetch_all returned the pages in the order they arrived, not in the order of the URLs: "
        "collect them with ThreadPoolExecutor.map, or by index."
    )


def fetch_all_overlaps_waits(fetch_all: Callable[..., Any], count: int = 8, needed: int = 8) -> None:
    """At least ``needed`` fetches (or all of them, if fewer) wait at the same time."""
    needed = min(needed, count)
    probe = OverlapProbe(needed)
    urls = [f"https://example.org/{i}" for i in range(count)]
    got = _fetch(fetch_all, urls, probe)
    assert probe.calls == count, f"fetch_all called fetch {probe.calls} times for {count} URLs; call it once per URL."
    assert probe.peak >= needed, (
        f"At most {probe.peak} fetch call(s) were waiting at the same time, for {count} URLs: at least {needed} "
        f"should overlap. Run the calls in threads, all started before you wait for any, with at least "
        f"{needed} threads: a waiting thread needs no core, so size the pool by the waits, not by the cores."
    )
    assert got == [f"page at {url}" for url in urls], "fetch_all should return the pages in the order of the URLs."


# --------------------------------------------------------------------------- Exercise 2: crunch_all

@dataclass(frozen=True)
class PidRecorder:
    """CPU work that notes which process runs it, and waits (a little) for company.

    Importable and picklable, so it works in pools under every start method. Each call leaves a file
    ``pid-<pid>`` in ``folder``. In a child process it then waits until ``needed`` different child processes
    have taken an item, so that on a loaded machine a fast first worker cannot take every item before the
    second one is up; if none comes within ``patience`` seconds it leaves a file ``alone`` and goes on.
    """

    work: Callable[[Any], Any]
    folder: str
    parent: int
    needed: int
    patience: float = 5.0

    def __call__(self, item: Any) -> Any:
        pid = os.getpid()
        Path(self.folder, f"pid-{pid}").touch()
        if pid != self.parent:
            self._wait_for_company()
        return self.work(item)

    def children(self) -> set[str]:
        """The pids, other than the parent's, that have run an item."""
        return {p.name for p in Path(self.folder).glob("pid-*")} - {f"pid-{self.parent}"}

    def _wait_for_company(self) -> None:
        alone = Path(self.folder, "alone")
        deadline = time.monotonic() + self.patience
        while len(self.children()) < self.needed and not alone.exists():
            if time.monotonic() > deadline:
                alone.touch()
            time.sleep(0.005)


@contextlib.contextmanager
def _recorded_work(needed: int) -> Iterator[PidRecorder]:
    with tempfile.TemporaryDirectory() as folder:
        yield PidRecorder(workloads.count_primes, folder, os.getpid(), needed)


def _crunch(crunch_all: Callable[..., Any], work: Callable[[Any], Any], items: list[int]) -> list[Any]:
    """The student's results, once every thread and process it started has ended."""
    with no_leftover_threads(), no_leftover_processes(grace=2.0):
        got = call_within(RUNNING_SECONDS, crunch_all, work, items)
    assert got is not None, "crunch_all returned None: return the list of results."
    return list(got)


def _check_results(got: list[Any], want: list[Any]) -> None:
    assert sorted(got) == sorted(want), f"crunch_all should return work(item) for every item, {want[:3]}…, but returned {got[:3]}…"
    assert got == want, "crunch_all returned the results out of order: keep the order of the items (pool.map does)."


def crunch_all_runs_in_processes(crunch_all: Callable[..., Any], count: int = 8) -> None:
    """Every item runs in a child process, and at least two (or the usable cores, if fewer) work at once."""
    needed = min(2, usable_cores(), count)
    items = [4000 + 700 * i for i in range(count)]
    with _recorded_work(needed) as work:
        _check_results(_crunch(crunch_all, work, items), [workloads.count_primes(item) for item in items])
        folder = Path(work.folder)
        in_kernel = (folder / f"pid-{work.parent}").exists()
        alone = (folder / "alone").exists()
        children = work.children()
    assert not in_kernel, (
        "Some items ran in this kernel's own process (in a thread or a plain loop): under the GIL its threads "
        "take turns on one core. Hand the items to a pool of processes, e.g. ProcessPoolExecutor."
    )
    assert not alone and len(children) >= needed, (
        f"The items ran in {len(children)} process(es), one at a time: a worker waited {work.patience:g} s for "
        f"a second process to take an item meanwhile, in vain. Give the pool all the items at once "
        f"(pool.map), and at least {needed} worker processes, before you wait for any result."
    )


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    begin = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - begin, result


def _reference_pool(work: Callable[[Any], Any], items: list[int]) -> list[Any]:
    with ProcessPoolExecutor(min(usable_cores(), len(items))) as pool:
        return list(pool.map(work, items))


def crunch_all_speeds_up(crunch_all: Callable[..., Any], count: int = 8, size: int = 40_000) -> None:
    """At least 40 % of the speedup that a reference process pool reaches on this machine, measured just now.

    The reference (its ideal speedup: the usable cores) uses the default start method; 40 % rather than a
    half leaves room for a pool that starts its processes with spawn, which costs more (Chapter 2).
    """
    items = [size] * count
    alone, want = _timed(lambda: [workloads.count_primes(item) for item in items])
    reference, _ = _timed(_reference_pool, workloads.count_primes, items)
    theirs, got = _timed(_crunch, crunch_all, workloads.count_primes, items)
    _check_results(got, want)
    cores = min(usable_cores(), count)
    assert alone / theirs >= 0.4 * alone / reference, (
        f"On this machine, just now, a plain loop over the items took {alone:.2f} s and a reference pool of "
        f"{cores} processes {reference:.2f} s (a speedup of {alone / reference:.1f}; the ideal is {cores}). "
        f"Your crunch_all took {theirs:.2f} s, a speedup of {alone / theirs:.1f}: at least 40 % of the reference's "
        f"is needed. Start one pool for all the items, with about as many workers as cores."
    )
