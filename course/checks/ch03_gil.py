"""Checks for the exercises of Chapter 3 (the GIL): choose_tool, fetch_all and crunch_all.

A grading machine may be loaded and may have two cores, so no verdict rests on a timing: the fake I/O
counts how many of its calls wait at the same time, and answers in an order it forces; the CPU work notes
the process it runs in, and holds its first item back until a second process has finished another one; a
record of the threads and processes the student's code starts says how each process really started, how
many there were, and whether each was joined.

Exercise 1, ``choose_tool(task)``: what the statement requires, and the check that enforces it.

| requirement                                                          | check                                 |
|----------------------------------------------------------------------|---------------------------------------|
| "threads" or "processes", nothing else                               | ``_check_choices`` (every call)       |
| pure-Python computing (count_primes): processes, on a GIL build      | ``chooses_for_python_and_waiting``    |
| waiting (sleepy_square, I/O-bound): threads                          | ``chooses_for_python_and_waiting``    |
| C code that lets go of the GIL (sha256, zlib): threads               | ``chooses_for_c_code``,               |
|                                                                      | ``chooses_for_more_c_code``           |
| C code that keeps the GIL (sum, sorted): processes, on a GIL build   | the same two                          |
| a free-threaded build running without the GIL: threads for all six   | ``_right_tool`` (gil.gil_enabled())   |
| a fixed answer, not measured inside: starts no thread or process     | ``_check_choices`` (call_watched)     |
| a wrong choice is named with a question to answer, never the answer  | ``_check_choices`` (message)          |

Exercise 2, ``fetch_all(urls, fetch)`` and ``crunch_all(work, items)``:

| requirement                                                          | check                                 |
|----------------------------------------------------------------------|---------------------------------------|
| fetch once per URL, duplicates included; every page kept, falsy too  | ``fetch_all_keeps_every_page``        |
| ``urls`` may be empty                                                | ``fetch_all_keeps_every_page``        |
| pages in the order of the URLs, even when the last answers first     | ``fetch_all_keeps_order`` (ReverseAnswers |
|                                                                      | forces the reverse finishing order)   |
| threads, at least 8 calls waiting at once (all, if fewer)            | ``fetch_all_overlaps_waits`` (OverlapProbe)|
| every thread joined before returning                                 | ``_fetch`` (call_watched, exact)      |
| ``[work(item) for item in items]``, in order, even when a later item | ``crunch_all_runs_in_processes``      |
| finishes first                                                       | (Recorder holds the first item back)  |
| ``items`` may be empty, or hold one item                             | ``crunch_all_takes_any_number``       |
| every item in a child process, none in the kernel                    | ``crunch_all_runs_in_processes``      |
| at least two processes computing at once (where there are 2 cores)   | ``crunch_all_runs_in_processes``      |
| under spawn, forkserver and fork alike, with the default start method| ``crunch_all_runs_in_processes`` run  |
| (a function that forces its own method fails): each worker's real    | with each as the default; the record  |
| start method is the default's                                        | of how each worker started            |
| a pool started by the call (none kept from before), joined before    | ``_crunch`` (call_watched, exact)     |
| returning                                                            |                                       |
| sized for computing: at most one worker process per core             | ``crunch_all_is_sized_for_speed``     |
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import gil, workloads
from course.processes import Started, call_watched, default_start_method, start_methods

SECONDS = 5  # bound on a call that only thinks
RUNNING_SECONDS = 60  # bound on a call that starts processes (spawn is slow on a loaded machine)
PATIENCE = 10.0  # how long a fake waits for the company it needs before it gives up (only wrong answers wait)

_KEEPS = "Does one call of {name} hold the GIL while it works, or let go of it?"
TOOLS: dict[Callable[..., Any], tuple[str, str]] = {
    workloads.count_primes: ("processes", "count_primes is pure-Python computation. " + _KEEPS),
    workloads.sleepy_square: ("threads", "sleepy_square spends its time waiting, like a network call. What does a "
                                         "waiting thread need: a core, or the GIL?"),
    workloads.sha256_of_zeros: ("threads", "sha256_of_zeros runs C code (hashlib). " + _KEEPS),
    workloads.sum_of_range: ("processes", "sum_of_range is one call into C. " + _KEEPS),
    workloads.compress_pattern: ("threads", "compress_pattern runs C code (zlib). " + _KEEPS),
    workloads.sort_bytes: ("processes", "sort_bytes runs C code (sorted). " + _KEEPS),
}
"""For each task: the right tool on a standard (GIL) build, and a question that leads to it."""


# --------------------------------------------------------------------------- Exercise 1: choose_tool

def _right_tool(task: Callable[..., Any]) -> str:
    """The right tool on this interpreter: without the GIL, threads compute in parallel too, and cost less."""
    return TOOLS[task][0] if gil.gil_enabled() else "threads"


def _check_choices(choose_tool: Callable[[Any], Any], tasks: Sequence[Callable[..., Any]]) -> None:
    for task in tasks:
        name = task.__name__
        got, started = call_watched(SECONDS, choose_tool, task)
        assert not started, (
            f"choose_tool({name}) started {len(started)} thread(s) or process(es): do not measure inside it, "
            f"since the grading machine may be busy. Measure in a cell of your own, then return a fixed answer."
        )
        assert got in ("threads", "processes"), f"choose_tool({name}) returned {got!r}: return 'threads' or 'processes'."
        hint = TOOLS[task][1].format(name=name)
        assert got == _right_tool(task), (
            f"choose_tool({name}) returned {got!r}, which is not the faster tool for it. {hint} Measure it with "
            f"gil.tick_gaps(workloads.{name}, ...) if the chapter did not, and apply the chapter's rule."
        )


def chooses_for_python_and_waiting(choose_tool: Callable[[Any], Any]) -> None:
    """Pure-Python computation needs processes (on a GIL build); waiting needs only threads."""
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
    fewer calls at a time pays ``patience`` once, and later calls no longer wait.
    """

    def __init__(self, needed: int, patience: float = PATIENCE, nap: float = 0.01) -> None:
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


class ReverseAnswers:
    """A fake download whose calls return in the reverse order of the URLs: each waits until the call for the
    next URL has returned. A caller with every call in flight gets the last page first on every run; one that
    has fewer in flight makes a call wait ``patience`` seconds once, then nothing waits any more."""

    def __init__(self, urls: Sequence[str], patience: float = PATIENCE) -> None:
        self.index = {url: i for i, url in enumerate(urls)}
        self.patience = patience
        self.returned: set[int] = set()
        self.gave_up = False
        self._changed = threading.Condition()

    def __call__(self, url: str) -> str:
        i = self.index[url]
        last = i == len(self.index) - 1
        with self._changed:
            if not self._changed.wait_for(lambda: last or i + 1 in self.returned or self.gave_up, self.patience):
                self.gave_up = True
            self.returned.add(i)
            self._changed.notify_all()
        return f"page at {url}"


def _fetch(fetch_all: Callable[..., Any], urls: list[str], fetch: Callable[[str], Any]) -> list[Any]:
    try:
        got, _ = call_watched(RUNNING_SECONDS, fetch_all, urls, fetch)
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
    """One page per URL, in the order of the URLs, when the last URL answers first and the first one last."""
    urls = [f"https://example.org/{i}" for i in range(count)]
    got = _fetch(fetch_all, urls, ReverseAnswers(urls))
    want = [f"page at {url}" for url in urls]
    assert sorted(got) == sorted(want), f"fetch_all should return one page per URL, {want[:2]}…, but returned {got[:3]}…"
    assert got == want, (
        "fetch_all returned the pages in the order they arrived, not in the order of the URLs: "
        "collect them with ThreadPoolExecutor.map, or by index."
    )


def fetch_all_keeps_every_page(fetch_all: Callable[..., Any]) -> None:
    """No URL (an empty list); and URLs that repeat, with pages that are falsy (None, "", 0): every one kept."""
    calls: list[str] = []
    lock = threading.Lock()

    def never(url: str) -> str:
        calls.append(url)
        return "a page"

    got = _fetch(fetch_all, [], never)
    assert got == [] and not calls, f"fetch_all([], fetch) returned {got!r}: with no URL, fetch nothing, return []."
    pages = {"https://example.org/a": None, "https://example.org/b": "", "https://example.org/c": 0}
    urls = ["https://example.org/a", "https://example.org/b", "https://example.org/a", "https://example.org/c"]

    def fetch(url: str) -> Any:
        with lock:
            calls.append(url)
        return pages[url]

    got = _fetch(fetch_all, urls, fetch)
    assert sorted(calls) == sorted(urls), (
        f"fetch_all called fetch for {sorted(calls)}, given {urls}: call it once per URL in the list, a URL "
        f"that appears twice included."
    )
    want = [pages[url] for url in urls]
    assert got == want, (
        f"Given {urls}, whose pages are {pages}, fetch_all returned {got!r}, not {want!r}: return every page, "
        f"whatever it is (None, '' and 0 are pages too), one per URL, in the order of the URLs."
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
class Recorder:
    """CPU work that notes which process runs it, and makes its first item finish after its second.

    Importable and picklable, so it works in pools under every start method. Each call leaves a file
    ``pid-<pid>`` in ``folder``. In a child process, the call for ``first`` then waits until the call for
    ``second`` has finished in another process: so two processes work at once on every run, and results
    collected in the order they finish come out of order; if that does not happen within ``patience``
    seconds (the second item is not given out while the first runs) it leaves a file ``alone``.
    """

    work: Callable[[Any], Any]
    folder: str
    parent: int
    first: Any = None
    second: Any = None
    patience: float = PATIENCE

    def __call__(self, item: Any) -> Any:
        pid = os.getpid()
        Path(self.folder, f"pid-{pid}").touch()
        result = self.work(item)
        if pid != self.parent and self.first is not None:
            if item == self.second:
                Path(self.folder, "second-done").touch()
            elif item == self.first:
                self._wait_for_the_second()
        return result

    def pids(self) -> set[int]:
        """The pids of the processes that ran an item, the parent's included."""
        return {int(p.name.removeprefix("pid-")) for p in Path(self.folder).glob("pid-*")}

    def alone(self) -> bool:
        return Path(self.folder, "alone").exists()

    def _wait_for_the_second(self) -> None:
        done = Path(self.folder, "second-done")
        deadline = time.monotonic() + self.patience
        while not done.exists():
            if time.monotonic() > deadline:
                Path(self.folder, "alone").touch()
                return
            time.sleep(0.005)


def _pair_needed(count: int) -> bool:
    """Two processes at once can be asked for where there are two items and two cores."""
    return count >= 2 and (os.cpu_count() or 1) >= 2


@contextlib.contextmanager
def _recorded_work(items: list[int]) -> Iterator[Recorder]:
    with tempfile.TemporaryDirectory() as folder:
        pair = items[:2] if _pair_needed(len(items)) else [None, None]
        yield Recorder(workloads.count_primes, folder, os.getpid(), *pair)


def _crunch(crunch_all: Callable[..., Any], work: Callable[[Any], Any], items: list[int]) -> tuple[list[Any], list[Started]]:
    """The student's results, once every thread and process it started has ended and been joined; and the record."""
    got, started = call_watched(RUNNING_SECONDS, crunch_all, work, items)
    assert got is not None, "crunch_all returned None: return the list of results."
    return list(got), started


def _check_results(got: list[Any], want: list[Any]) -> None:
    assert sorted(got) == sorted(want), (
        f"crunch_all should return work(item) for every item, {want[:3]}…, but returned {got[:3]}…"
    )
    assert got == want, (
        "crunch_all returned the results out of order (here the first item finished last): keep the order of "
        "the items, as pool.map does."
    )


def _run_recorded(crunch_all: Callable[..., Any], method: str, count: int) -> tuple[Recorder, list[Started]]:
    """crunch_all over ``count`` items with ``method`` as the default start method; results checked."""
    items = [4000 + 700 * i for i in range(count)]
    with _recorded_work(items) as work, default_start_method(method):
        got, started = _crunch(crunch_all, work, items)
        _check_results(got, [workloads.count_primes(item) for item in items])
        pids, alone = work.pids(), work.alone()
    assert work.parent not in pids, (
        "Some items ran in this kernel's own process (in a thread or a plain loop): under the GIL its threads "
        "take turns on one core. Hand the items to a pool of processes, e.g. ProcessPoolExecutor."
    )
    by_pid = {s.worker.pid: s for s in started if s.kind != "thread"}
    strangers = pids - by_pid.keys()
    assert not strangers, (
        f"Items ran in {len(strangers)} process(es) that this call of crunch_all did not start. Start the pool "
        f"inside crunch_all (a pool kept from an earlier call, or made when the cell ran, is never shut down, "
        f"and ignores the start method the caller has chosen since), and shut it down before you return."
    )
    methods = sorted({by_pid[pid].kind for pid in pids} - {method})
    assert not methods, (
        f"With {method!r} as the default start method, your worker processes were started with {methods}: do not "
        f"choose a start method yourself (no get_context(...), no set_start_method): use the default, which "
        f"the caller may set. ProcessPoolExecutor() and multiprocessing.Pool() do."
    )
    if work.first is not None:
        assert not alone and len(pids) >= 2, (
            f"The items ran one at a time: the first item waited {PATIENCE:g} s for a second process to finish "
            f"another item meanwhile, in vain. Give the pool all the items at once (pool.map), with at least two "
            f"worker processes, before you wait for any result."
        )
    return work, started


def crunch_all_runs_in_processes(crunch_all: Callable[..., Any], count: int = 8,
                                 methods: Sequence[str] | None = None) -> None:
    """Every item runs in a child process started by the call with the default start method, at least two of
    them at once (where there are two cores); for each start method in ``methods`` (the default: the current one)."""
    for method in methods or [multiprocessing.get_start_method()]:
        _run_recorded(crunch_all, method, count)


def crunch_all_runs_under_every_start_method(crunch_all: Callable[..., Any], count: int = 3) -> None:
    """The same, with spawn, forkserver and fork as the default start method in turn."""
    crunch_all_runs_in_processes(crunch_all, count, start_methods())


def crunch_all_takes_any_number(crunch_all: Callable[..., Any]) -> None:
    """No item (an empty list) and a single item."""
    got, _ = _crunch(crunch_all, workloads.count_primes, [])
    assert got == [], f"crunch_all(work, []) returned {got!r}: with no item, return []."
    _run_recorded(crunch_all, multiprocessing.get_start_method(), 1)


def crunch_all_is_sized_for_speed(crunch_all: Callable[..., Any], count: int = 8) -> None:
    """One pool for all the items, of at most one worker process per core.

    Computing gains from processes up to the cores and no further; each process more costs its start-up
    (Chapter 2) and takes a core's time from the others. Counted from the record of the processes the call
    started, so that the verdict holds on a loaded machine, where a timing would not.
    """
    cores = os.cpu_count() or 1
    _, started = _run_recorded(crunch_all, multiprocessing.get_start_method(), count)
    processes = [s for s in started if s.kind != "thread"]
    assert len(processes) <= cores, (
        f"crunch_all started {len(processes)} processes for {count} items on a machine with {cores} cores: "
        f"computing gains from processes only up to the cores, and each one more costs its start-up. Start "
        f"one pool for all the items, with at most one worker per core (os.cpu_count(), the default of "
        f"ProcessPoolExecutor() and multiprocessing.Pool())."
    )
