"""Checks for the exercises of Chapter 2 (processes vs threads): predict and creation_costs.

The answers are not compared with a table: each check runs the real experiment on the grading machine
(``course.workloads.who_sees_what``, and a record of the threads and processes the student's code starts),
so a verdict is about what threads and processes actually do. Times are never compared with absolute
numbers, only with what the same code needs, measured in the same check.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.process
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from course import workloads
from course.bounded import call_own_work, no_leftover_threads
from course.processes import no_leftover_processes

SECONDS = 5  # bound on a call that only thinks
MEASURING_SECONDS = 60  # bound on a call that starts processes (spawn is slow on a loaded machine)

_SHARED = "a thread runs inside its parent's process and shares all of its memory"
_COPIED = ("a child process works on a copy: fork copies the parent's whole memory, spawn and forkserver "
           "rebuild the arguments from pickled bytes, and nothing it changes in its memory reaches the parent")
_REASONS = {
    "list": {"thread": f"{_SHARED}, so the list it appends to is the parent's list", "process": _COPIED},
    "global": {"thread": f"{_SHARED}, module globals included", "process": _COPIED},
    "environ": {
        "thread": "the environment belongs to the process, so all its threads share one os.environ",
        "process": "a child process gets its own copy of the environment when it starts; what it sets there "
                   "stays in its copy",
    },
    "file": {
        "thread": "files live in the file system, outside every process's memory, and everyone sees them",
        "process": "files live in the file system, outside every process's memory, and everyone sees them",
    },
    "inherited": {
        "thread": f"{_SHARED}, so it reads MARK as the parent left it",
        "fork": "fork starts the child as a copy of the parent's memory at that instant, MARK included",
        "spawn": "spawn starts a fresh interpreter that imports course.workloads again, so MARK has the "
                 "value the module gives it at import, not the parent's",
        "forkserver": "forkserver children come from a clean server process and import course.workloads "
                      "again, so MARK has the value the module gives it at import, not the parent's",
    },
}


def _reason(key: str, kind: str) -> str:
    reasons = _REASONS[key]
    return reasons.get(kind) or reasons["process"]


def other_start_method() -> str | None:
    """A start method this machine has besides its default (a check that asks for it sees whether the
    student's code obeys ``kind``), or None where there is only one (Windows: spawn)."""
    default = multiprocessing.get_start_method()
    others = [m for m in ("spawn", "forkserver", "fork") if m != default and m in multiprocessing.get_all_start_methods()]
    return others[0] if others else None


# --------------------------------------------------------------------------- Exercise 1: predict

def _check_prediction(predict: Callable[[str], Any], kind: str) -> None:
    got = call_own_work(SECONDS, [workloads.who_sees_what, workloads.write_everywhere], predict, kind)
    assert isinstance(got, dict), f"predict({kind!r}) returned {got!r}: return a dict with the keys {list(workloads.WRITES)}."
    missing = [key for key in workloads.WRITES if key not in got]
    assert not missing, f"predict({kind!r}) has no answer for {missing}: give True or False for each of {list(workloads.WRITES)}."
    odd = {key: got[key] for key in workloads.WRITES if not isinstance(got[key], bool)}
    assert not odd, f"predict({kind!r}) gave {odd}: each answer must be True or False."
    truth = workloads.who_sees_what(kind)
    for key in workloads.WRITES:
        if got[key] != truth[key]:
            raise AssertionError(
                f"predict({kind!r})[{key!r}] is {got[key]}, but the experiment just run on this machine gives "
                f"{truth[key]}: {_reason(key, kind)}."
            )


def predicts_a_thread(predict: Callable[[str], Any]) -> None:
    """What a writer thread changes, its parent sees; and it sees what its parent set."""
    _check_prediction(predict, "thread")


def predicts_default_processes(predict: Callable[[str], Any]) -> None:
    """A writer process started with this machine's default start method."""
    _check_prediction(predict, multiprocessing.get_start_method())


def predicts_every_start_method(predict: Callable[[str], Any]) -> None:
    """A writer process started with each start method this machine has."""
    for method in multiprocessing.get_all_start_methods():
        _check_prediction(predict, method)


# --------------------------------------------------------------------------- Exercise 2: creation_costs

@dataclass
class _Started:
    """One thread or process that ran course.workloads.nothing: its kind, and when it was started and joined."""

    kind: str
    started: float
    joined: float | None = None


def _kind_of(worker: Any) -> str:
    if isinstance(worker, threading.Thread):
        return "thread"
    return type(worker)._start_method or multiprocessing.get_start_method()


@contextlib.contextmanager
def _watched_workers() -> Iterator[dict[Any, _Started]]:
    """Record every thread or process whose target is ``workloads.nothing``: when start() was called and
    when join() returned with it finished. The dict keeps the order of the start() calls."""
    records: dict[Any, _Started] = {}
    classes = (threading.Thread, multiprocessing.process.BaseProcess)
    originals = {cls: (cls.start, cls.join) for cls in classes}

    def wrap(start: Callable[..., Any], join: Callable[..., Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
        def watched_start(self: Any) -> None:
            if getattr(self, "_target", None) is workloads.nothing:
                records[self] = _Started(_kind_of(self), time.perf_counter())
            start(self)

        def watched_join(self: Any, timeout: float | None = None) -> None:
            join(self, timeout)
            if self in records and not self.is_alive():
                records[self].joined = time.perf_counter()

        return watched_start, watched_join

    for cls, (start, join) in originals.items():
        cls.start, cls.join = wrap(start, join)
    try:
        yield records
    finally:
        for cls, (start, join) in originals.items():
            cls.start, cls.join = start, join


def _measure(creation_costs: Callable[[str, int], Any], kind: str, count: int) -> tuple[list[float], list[_Started]]:
    """Call the student's creation_costs(kind, count) while recording the workers it starts."""
    with no_leftover_threads(), no_leftover_processes(grace=2.0), _watched_workers() as records:
        costs = call_own_work(MEASURING_SECONDS, [workloads.creation_costs], creation_costs, kind, count)
    started = list(records.values())
    call = f"creation_costs({kind!r}, {count})"
    assert isinstance(costs, (list, tuple)) and len(costs) == count, (
        f"{call} returned {costs!r}: return a list of {count} numbers, the seconds each worker took."
    )
    numbers = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in costs)
    assert numbers and all(c > 0 for c in costs), f"{call} returned {costs!r}: each cost must be a number of seconds above 0."
    return list(costs), started


def _covered_costs(creation_costs: Callable[[str, int], Any], kind: str, count: int) -> list[float]:
    """The student's costs, once checked to cover each worker's life from start() to the end of join().

    Every other judgement of the costs rests on this one, so that a measurement of the wrong steps fails
    for that reason on every run, and never passes or fails by the luck of the timings."""
    costs, started = _measure(creation_costs, kind, count)
    call = f"creation_costs({kind!r}, {count})"
    assert started, (
        f"{call} started no thread or process whose target is course.workloads.nothing: create each worker "
        f"with target=nothing, then start() and join() it."
    )
    assert len(started) == count, f"{call} started {len(started)} workers running nothing; start exactly {count}."
    wrong_kind = sorted({s.kind for s in started} - {kind})
    assert not wrong_kind, (
        f"{call} started workers of kind {wrong_kind}, not {kind!r}: make threads with threading.Thread and "
        f"processes with multiprocessing.get_context(kind).Process, so that the start method is the one asked for."
    )
    assert all(s.joined is not None for s in started), f"{call} did not join() every worker it started: join each one."
    for number, (cost, record) in enumerate(zip(costs, started), 1):
        lived = record.joined - record.started
        if cost < lived - 0.001:
            raise AssertionError(
                f"{call}: worker {number} took {1000 * lived:.2f} ms from its start() to the end of its join(), "
                f"but you report {1000 * cost:.2f} ms. Read the clock before you create the worker and again "
                f"after join() returns, with wall-clock time (time.perf_counter()), not CPU time."
            )
    return costs


def costs_cover_start_to_join(creation_costs: Callable[[str, int], Any]) -> None:
    """Each cost covers its worker's whole life, for threads and for the default start method."""
    _covered_costs(creation_costs, "thread", 10)
    _covered_costs(creation_costs, multiprocessing.get_start_method(), 3)


def costs_follow_the_start_method(creation_costs: Callable[[str, int], Any]) -> None:
    """Asked for a start method other than the default, the function starts processes that way."""
    method = other_start_method()
    if method is not None:
        _covered_costs(creation_costs, method, 2)


def costs_are_seconds_and_consistent(creation_costs: Callable[[str, int], Any]) -> None:
    """Costs in seconds (together no longer than the call that measured them); a thread costs less.

    Both judgements are bounds, not comparisons with a reference timing, so that a busy machine, which
    can make one thread take a hundred times longer to start than on a quiet one, cannot change them.
    """
    method = multiprocessing.get_start_method()
    fastest = {}
    for kind, count in (("thread", 20), (method, 5)):
        began = time.perf_counter()
        costs = _covered_costs(creation_costs, kind, count)
        elapsed = time.perf_counter() - began
        assert sum(costs) <= elapsed, (
            f"creation_costs({kind!r}, {count}) ran for {elapsed:.4g} s in all, but its costs add up to "
            f"{sum(costs):.4g}. Return seconds (time.perf_counter() differences, not multiplied by 1000 and "
            f"not in nanoseconds), and measure one worker at a time."
        )
        fastest[kind] = min(costs)
    assert fastest["thread"] < fastest[method], (
        f"Your fastest thread took {fastest['thread']:.6g} s and your fastest {method} process "
        f"{fastest[method]:.6g} s: a process should cost more than a thread. Do both measurements time the "
        f"same steps?"
    )