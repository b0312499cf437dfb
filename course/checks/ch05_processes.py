"""Checks for the exercises of Chapter 5 (processes): parallel_map, add_many, run_pipeline.

Each check runs the student's code under every start method the platform offers (spawn first, as the
default one), through an importable copy of the solution cell (course.processes.importable) so that
spawn and forkserver children can import what the cell defines. Every call is bounded in time, every
process left behind is stopped and reported, and each failure is a sentence that says what to fix.
Parallelism and lost updates are made certain with course.processes.Witness and ForcedRaceValue.
"""
from __future__ import annotations

import collections
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from course.bounded import TookTooLong, call_within
from course.processes import (ForcedRaceValue, Outcome, Witness, best_time, default_start_method, importable,
                              no_leftover_processes, run_in_children, start_methods, usable_cores)
from course.workloads import Stage, count_primes, square

SECONDS = 8  # bound on any one call into student code


def _under_each_start_method(check: Callable[[str], None]) -> None:
    """Run ``check(method)`` with each start method as the default, leaving no process behind.

    A failure names the start method: fork often forgives what spawn and forkserver do not.
    """
    for method in start_methods():
        try:
            with default_start_method(method), no_leftover_processes():
                check(method)
        except AssertionError as exc:
            raise type(exc)(f"Under the {method} start method: {exc}") from None


def _call(fn: Callable[..., Any], *args: Any, hint: str = "") -> Any:
    """Call the importable copy of ``fn`` within SECONDS; on a timeout, put ``hint`` before the stacks."""
    try:
        return call_within(SECONDS, importable(fn), *args)
    except TookTooLong as exc:
        raise TookTooLong(f"{hint} {exc}".strip()) from None


def _all_succeeded(outcomes: list[Outcome], name: str) -> None:
    for outcome in outcomes:
        if not outcome.ok:
            detail = "\n".join(outcome.error.strip().splitlines()[-6:])
            raise AssertionError(f"{name} failed in a worker process (exit code {outcome.exitcode}):\n{detail}")


# --------------------------------------------------------------------------- Exercise: parallel_map

def _as_list(result: Any, name: str) -> list[Any]:
    assert result is not None, f"{name} should return the list of results, but it returned None."
    return list(result)


def parallel_map_gives_results_in_order(parallel_map: Callable[..., Any], workers: int = 2) -> None:
    """parallel_map(square, items, workers) returns the squares in input order; an empty list gives []."""
    items = list(range(-5, 15))

    def check(method: str) -> None:
        got = _as_list(_call(parallel_map, square, items, workers), "parallel_map")
        expected = [x * x for x in items]
        assert got == expected, (
            f"parallel_map(square, {items}, {workers}) should return {expected} (in input order), got {got}. "
            f"Pool.map and imap keep the input order; imap_unordered and as_completed do not."
        )
        empty = _as_list(_call(parallel_map, square, [], workers), "parallel_map")
        assert empty == [], f"parallel_map(square, [], {workers}) should return [], got {empty}."

    _under_each_start_method(check)


def parallel_map_runs_in_parallel(parallel_map: Callable[..., Any], workers: int = 2) -> None:
    """The tasks run in worker processes (not the notebook's), ``workers`` of them at the same moment."""

    def check(method: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            witness = Witness(square, folder, quorum=workers)
            items = list(range(4 * workers))
            got = _as_list(_call(parallel_map, witness, items, workers), "parallel_map")
            assert got == [x * x for x in items], f"parallel_map returned {got}, not the squares of {items} in order."
            pids = witness.pids()
            assert os.getpid() not in pids, (
                "The tasks ran in the notebook's own process (a loop, or threads). Threads cannot run "
                "Python code in parallel (the GIL lets one at a time): start worker processes, e.g. "
                "`with multiprocessing.Pool(workers) as pool: return pool.map(fn, items)`."
            )
            assert witness.met(), (
                f"The tasks ran in {len(set(pids))} worker process(es), but never {workers} at the same moment: "
                f"each task waited in vain for another process to be running one too. Send all tasks before "
                f"waiting for any result: Pool.apply() waits for each result (use map, or apply_async and "
                f"then get()), and a chunksize as large as the list gives all items to one worker."
            )

    _under_each_start_method(check)


def parallel_map_is_fast_enough(parallel_map: Callable[..., Any], workers: int = 2, method: str = "spawn") -> None:
    """The work is done outside the notebook's process, at least a third as fast as a plain Pool.map does it.

    Two criteria. The CPU time of the notebook's own process (all its threads) while parallel_map runs
    must stay under half the CPU time the work takes in a loop: a deterministic test that the work ran
    elsewhere, whatever the load. And its time must stay within three times that of a reference
    Pool(workers).map measured in turns with it (the best of two runs each): a ratio, never an
    absolute time, since what the cores give depends on the machine's load at that moment. (Not twice:
    on two cores the tasks run one at a time in the workers come out at up to half the reference's
    speedup, so a bar there would give a different verdict from run to run.) The ideal speedup,
    min(workers, cores), is reported with what each reached.
    """
    items = [10_000] * 32
    if method not in start_methods():
        method = start_methods()[0]
    theirs = importable(parallel_map)

    def reference() -> None:
        with multiprocessing.Pool(workers) as pool:
            pool.map(count_primes, items)

    def student() -> None:
        cpu_before = time.process_time()
        _call(theirs, count_primes, items, workers)
        cpu["student"] = max(cpu["student"], time.process_time() - cpu_before)

    cpu = {"student": 0.0}
    with default_start_method(method), no_leftover_processes():
        cpu_before = time.process_time()
        sequential = best_time(lambda: [count_primes(x) for x in items])
        cpu["work"] = time.process_time() - cpu_before
        times: dict[str, list[float]] = {"reference": [], "student": []}
        for _ in range(2):
            times["reference"].append(best_time(reference))
            times["student"].append(best_time(student))
    ref, mine = min(times["reference"]), min(times["student"])
    cores = usable_cores()
    report = (f"{cores} usable core(s), so the ideal speedup with {workers} workers is {min(workers, cores)}×; "
              f"under {method}, a plain Pool.map reached {sequential / ref:.1f}× and your parallel_map "
              f"{sequential / mine:.1f}× ({mine:.2f} s against {ref:.2f} s).")
    print(report)
    assert cpu["student"] < cpu["work"] / 2, (
        f"While parallel_map ran, the notebook's own process used {cpu['student']:.2f} s of CPU, more than half "
        f"of what the whole work takes in a loop ({cpu['work']:.2f} s): the work ran here, in a loop or in threads, "
        f"which cannot run Python code in parallel. Hand it to worker processes."
    )
    assert mine <= 3 * ref, (
        f"{report} Yours must reach at least a third of Pool.map's speedup. Look for what costs time besides "
        f"the work: a process started per item (each start costs far more than a small task), a new pool "
        f"per item, large arguments sent again for every task, or fewer workers than asked for."
    )


# --------------------------------------------------------------------------- Exercise: add_many

_LOCK_ADVICE = (
    "Hold counter.get_lock() around the whole read–modify–write: `with counter.get_lock(): counter.value "
    "+= 1`. A lock made inside add_many, a threading.Lock, or a multiprocessing.Lock made when the cell "
    "runs is not shared: each spawned process imports your cell anew and makes a lock of its own."
)


def counter_counts_correctly(add_many: Callable[..., Any], calls: tuple[int, ...] = (5, 0, 7)) -> None:
    """add_many(counter, times) adds exactly ``times``, run in a child process under each start method.

    The children run one after another, so this checks the arithmetic and that the function works in a
    child at all; losing updates to a concurrent process is what counter_survives_forced_race checks.
    (Two processes racing on a real Value lose updates only now and then: no verdict to rely on.)
    """

    def check(method: str) -> None:
        ctx = multiprocessing.get_context(method)
        counter = ctx.Value("i", 0)
        for times in calls:
            _all_succeeded(run_in_children(ctx, importable(add_many), [(counter, times)], SECONDS), "add_many")
        assert counter.value == sum(calls), (
            f"Calls of add_many(counter, times) with times = {', '.join(map(str, calls))}, one after another in "
            f"child processes, should leave counter.value at {sum(calls)}, but it is {counter.value}: add 1, "
            f"`times` times, to the counter you are given."
        )

    _under_each_start_method(check)


def _take_part(counter: ForcedRaceValue, add_many: Callable[..., Any], times: int) -> None:
    """A child's part in the forced race: start with the other participants, then run add_many."""
    with counter.participant():
        add_many(counter, times)


def counter_survives_forced_race(add_many: Callable[..., Any], times: int = 2) -> None:
    """Two processes are held inside every read and write of counter.value until the other arrives too.

    Unlocked code loses an update on every run; code that holds counter.get_lock() around the whole
    update never does (see course.processes.ForcedRaceValue).
    """

    def check(method: str) -> None:
        ctx = multiprocessing.get_context(method)
        counter = ForcedRaceValue(ctx, parties=2)
        _all_succeeded(run_in_children(ctx, _take_part, [(counter, importable(add_many), times)] * 2, SECONDS),
                       "add_many")
        got, expected = counter.value, 2 * times
        assert got == expected, (
            f"With two processes forced to interleave, add_many(counter, {times}) in each gave {got} instead of "
            f"{expected}: an update was lost, because both processes read the same old value and both wrote "
            f"it back plus one. " + _LOCK_ADVICE
        )

    _under_each_start_method(check)


# --------------------------------------------------------------------------- Exercise: run_pipeline

_PIPELINE_HANG = (
    "run_pipeline did not finish. Two usual causes: a process joined before the queue it fed was "
    "drained (a process that has put data on a Queue cannot exit until that data is read: read every "
    "result first, then join), or a stage that never recognises its sentinel (an object() sentinel is a "
    "different object once it has crossed to another process: compare a value, or send a class)."
)


def _key(item: Any) -> tuple[str, str]:
    """A sortable identity for any item (0, False and None must stay distinct)."""
    return type(item).__name__, repr(item)


def _run_pipeline(run_pipeline: Callable[..., Any], items: Iterable[Any], stages: list[Stage]) -> list[tuple]:
    results = _as_list(_call(run_pipeline, items, stages, hint=_PIPELINE_HANG), "run_pipeline")
    malformed = [r for r in results if not (isinstance(r, tuple) and len(r) == 3)]
    assert not malformed, (
        f"run_pipeline returned {malformed[0]!r}, which no stage made: return what the last stage returned "
        f"for each item, unchanged."
    )
    return results


def _same_items(got: list[Any], items: list[Any]) -> None:
    missing = collections.Counter(map(_key, items)) - collections.Counter(map(_key, got))
    extra = collections.Counter(map(_key, got)) - collections.Counter(map(_key, items))
    assert not missing and not extra, (
        f"The results do not match one per item. Missing: {[v for _, v in missing.elements()][:5]}; unexpected "
        f"or repeated: {[v for _, v in extra.elements()][:5]}. Falsy items such as 0, None or '' are items "
        f"too: end the stream with a sentinel no item can be."
    )
    assert [_key(v) for v in got] == [_key(v) for v in items], (
        f"The results came back in the order {got}, not in the input order {items}: with one process per "
        f"stage and FIFO queues, order is kept by itself."
    )


ITEMS = (0, None, "", False, "STOP", -1, 2.5, (), "last")  # falsy ones, and one a sentinel might be


def pipeline_delivers_every_item(run_pipeline: Callable[..., Any], items: Iterable[Any] = ITEMS,
                                 n_stages: int = 3) -> None:
    """Every item passes once through every stage in order; each stage runs in a process of its own."""

    def check(method: str) -> None:
        results = _run_pipeline(run_pipeline, list(items), [Stage(k) for k in range(n_stages)])
        _same_items([value for value, _, _ in results], list(items))
        for value, trail, _ in results:
            assert [k for k, _ in trail] == list(range(n_stages)), (
                f"Item {value!r} went through stages {[k for k, _ in trail]}, not through each of the "
                f"{n_stages} stages once, in order."
            )
        ran_in = [{trail[k][1] for _, trail, _ in results} for k in range(n_stages)]
        for k, pids in enumerate(ran_in):
            assert os.getpid() not in pids, (
                f"Stage {k} ran in the notebook's own process: start one multiprocessing.Process per stage."
            )
            for j in range(k):
                assert not pids & ran_in[j], (
                    f"Stages {j} and {k} ran in the same process: give each stage a process of its own, "
                    f"connected to the next by a Queue or a Pipe."
                )

    _under_each_start_method(check)


def pipeline_shuts_down_cleanly(run_pipeline: Callable[..., Any], count: int = 16, padding: int = 16 * 1024) -> None:
    """Items from a generator, results that overflow a pipe: all delivered, nothing left running."""

    def check(method: str) -> None:
        results = _run_pipeline(run_pipeline, (i for i in range(count)), [Stage(0), Stage(1, padding)])
        _same_items([value for value, _, _ in results], list(range(count)))

    _under_each_start_method(check)
