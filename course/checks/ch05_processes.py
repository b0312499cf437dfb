"""Checks for the exercises of Chapter 5 (processes): parallel_map, add_many, run_pipeline.

Each check runs the student's code under every start method the platform offers (spawn first, then
forkserver and fork), each made the default in turn, through an importable copy of the solution cell
(course.processes.importable) so that spawn and forkserver children can import what the cell defines.
Where the student's code starts the processes, the work records how its process was really started
(course.workloads.started_by): code that names its own start method fails under the others. Every
call is bounded in time; the moment it returns, every process it started must have ended and been
joined (course.processes.every_process_joined: no grace period). Parallelism and lost updates are
made certain with course.processes.Witness and ForcedHandoffValue, not left to luck.

What each statement requires, and the check that enforces it:

Exercise 1, parallel_map(fn, items, workers)
| requirement                                                   | check                                        |
|---------------------------------------------------------------|----------------------------------------------|
| returns a list [fn(x) for x in items], in input order         | parallel_map_gives_results_in_order          |
| an empty list gives [], one item gives a one-item list        | parallel_map_gives_results_in_order (spawn)  |
| the calls run in worker processes, not in the notebook's      | parallel_map_runs_in_parallel (pids)         |
| `workers` of them run tasks at the same moment                | parallel_map_runs_in_parallel (Witness)      |
| no more than `workers` worker processes alive at once         | parallel_map_runs_in_parallel (StartProbe)   |
| processes started with the default start method (none named)  | both checks above (StartProbe), each method  |
| fn: a picklable callable; works under every start method      | every check, under spawn, forkserver, fork   |
| on return every process it started has ended and been joined  | every check (every_process_joined)           |
| at most three times the CPU time Pool(workers).map spends     | parallel_map_is_fast_enough (all processes)  |
| the work is not done in the notebook's process                | parallel_map_is_fast_enough (CPU time)       |

Exercise 2, add_many(counter, times)
| requirement                                                   | check                                        |
|---------------------------------------------------------------|----------------------------------------------|
| adds exactly `times` (0 and 1 included) to counter.value      | counter_counts_correctly                     |
| works in a child started by each start method                 | both checks, under spawn, forkserver, fork   |
| no update lost to another process doing the same              | counter_survives_forced_race (ForcedHandoff- |
|   (the lock held around the whole read-modify-write)          |   Value: pauses in reads, writes, releases)  |
| the lock is the counter's own, for every call and counter     | counter_survives_forced_race (each child     |
|   (add_many may be called on several counters in a process)   |   first adds to a counter of its own)        |

Exercise 3, run_pipeline(items, stages)
| requirement                                                   | check                                        |
|---------------------------------------------------------------|----------------------------------------------|
| each item goes through every stage, once, in order            | pipeline_delivers_every_item                 |
| returns a list of the last stage's results, unchanged, in     | pipeline_delivers_every_item                 |
|   input order                                                 |                                              |
| each stage in a process of its own, not the notebook's        | pipeline_delivers_every_item (pids)          |
| processes started with the default start method (none named)  | pipeline_delivers_every_item (Stage marks)   |
| any picklable item: None, 0, '', False, 'STOP', ..., classes, | pipeline_delivers_every_item (ITEMS, plus    |
|   values equal to the cell's own constants and class names    |   _lookalikes of the cell's sentinels)       |
| no items, one item (None)                                     | pipeline_delivers_every_item (hidden, spawn) |
| stages == [] returns list(items)                              | pipeline_without_stages                      |
| items from a generator; results that fill a pipe              | pipeline_shuts_down_cleanly                  |
| on return every process it started has ended and been joined  | every check (every_process_joined)           |
| a stage that raises: run_pipeline raises that exception (same | pipeline_reports_failures                    |
|   type and message), after every process has ended            |                                              |
| an item that cannot be pickled: run_pipeline raises the       | pipeline_reports_failures                    |
|   pickling error, after every process has ended               |                                              |
"""
from __future__ import annotations

import collections
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import types
from collections.abc import Callable, Iterable
from typing import Any

from course.bounded import TookTooLong, call_within
from course.processes import (
    ForcedHandoffValue,
    Outcome,
    StartProbe,
    Witness,
    default_start_method,
    every_process_joined,
    importable,
    live_pids,
    run_in_children,
    start_methods,
)
from course.workloads import Stage, count_primes, mark_this_process, square

SECONDS = 8  # bound on any one call into student code
RESULTS_SECONDS = 60  # bound on parallel_map's results check, which starts up to 20 processes one per item
PATIENCE = 5.0  # how long a task waits for the other workers: spawned workers start slowly on a loaded machine


def _under_each_start_method(check: Callable[[str], None], methods: list[str] | None = None) -> None:
    """Run ``check(method)`` with each start method as the default (or each of ``methods``), leaving no
    process behind.

    A failure names the start method: fork often forgives what spawn and forkserver do not.
    """
    for method in methods or start_methods():
        try:
            with default_start_method(method), every_process_joined():
                check(method)
        except AssertionError as exc:
            raise type(exc)(f"Under the {method} start method: {exc}") from None


def _call(fn: Callable[..., Any], *args: Any, hint: str = "", seconds: float = SECONDS) -> Any:
    """Call the importable copy of ``fn`` within ``seconds``; on a timeout, put ``hint`` before the stacks."""
    try:
        return call_within(seconds, importable(fn), *args)
    except TookTooLong as exc:
        raise TookTooLong(f"{hint} {exc}".strip()) from None


def _all_succeeded(outcomes: list[Outcome], name: str) -> None:
    for outcome in outcomes:
        if not outcome.ok:
            detail = "\n".join(outcome.error.strip().splitlines()[-6:])
            raise AssertionError(f"{name} failed in a worker process (exit code {outcome.exitcode}):\n{detail}")


def _started_as(method: str, seen: set[str], what: str) -> None:
    """``seen``: how the processes that did the work were started (course.workloads.started_by)."""
    assert seen <= {method}, (
        f"The default start method was {method}, but {what} ran in processes started by "
        f"{', '.join(sorted(seen - {method}))}. Create processes, pools and queues without naming a start "
        f"method (multiprocessing.Process, Pool, Queue, ProcessPoolExecutor(), no get_context('...') or "
        f"set_start_method): your code must work under whichever the platform or the caller chose."
    )


# --------------------------------------------------------------------------- Exercise: parallel_map

def _as_list(result: Any, name: str) -> list[Any]:
    assert result is not None, f"{name} should return the list of results, but it returned None."
    assert isinstance(result, list), (
        f"{name} should return a list, but it returned {type(result).__name__} {result!r:.80}: build the list "
        f"(list(...) around an iterator) before the pool or the processes are gone."
    )
    return result


def parallel_map_gives_results_in_order(parallel_map: Callable[..., Any], workers: int = 2) -> None:
    """parallel_map(square, items, workers) returns the squares in input order; [] gives [], [x] gives [x * x]
    (those two under spawn only: what they try does not depend on the start method)."""

    def check(method: str) -> None:
        home, mark = mark_this_process()
        with tempfile.TemporaryDirectory() as folder:
            probe = StartProbe(square, folder, home, mark)
            edge_cases = ([], [7]) if method == start_methods()[0] else ()  # under the strictest method only
            for items in (list(range(-5, 15)), *edge_cases):
                # Results only: an answer that starts a process per item is slow, not wrong, here (and
                # judged slow by parallel_map_is_fast_enough), so its bound holds a loaded machine's 20 starts.
                got = _as_list(_call(parallel_map, probe, items, workers, seconds=RESULTS_SECONDS), "parallel_map")
                expected = [x * x for x in items]
                assert got == expected, (
                    f"parallel_map(square, {items}, {workers}) should return {expected} (in input order), got "
                    f"{got}. Pool.map and imap keep the input order; imap_unordered and as_completed do not."
                )
            _started_as(method, probe.methods() - {"notebook"}, "the tasks")

    _under_each_start_method(check)


def parallel_map_runs_in_parallel(parallel_map: Callable[..., Any], workers: int = 2) -> None:
    """The tasks run in worker processes (not the notebook's), ``workers`` of them at the same moment and no
    more, started with the default start method."""

    def check(method: str) -> None:
        home, mark = mark_this_process()
        with tempfile.TemporaryDirectory() as folder:
            os.mkdir(os.path.join(folder, "probe"))  # Witness counts only names with a "-"
            probe = StartProbe(square, os.path.join(folder, "probe"), home, mark)
            witness = Witness(probe, folder, quorum=workers, patience=PATIENCE)
            items = list(range(4 * workers))
            before = live_pids()
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
            alive = len(probe.siblings() - before)
            assert alive <= workers, (
                f"While the tasks ran, {alive} worker processes were alive, but parallel_map(fn, items, {workers}) "
                f"may use only {workers}: give the pool (or your processes) `workers`, not one per item or per core."
            )
            _started_as(method, probe.methods(), "the tasks")

    _under_each_start_method(check)


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process (all its threads), and by it and its children that have ended and
    been collected (a pool's workers once it is joined), together."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = own.ru_utime + own.ru_stime
    return mine, mine + children.ru_utime + children.ru_stime


def _cpu_used(fn: Callable[[], Any]) -> tuple[float, float]:
    """The CPU seconds ``fn()`` used in this process, and in this process and the children it started together.

    A child counts once it is reaped, and multiprocessing reaps every ended child it knows of whenever a process
    starts: so the children of earlier cells that have ended are reaped first, or their whole lives' CPU time
    would land in the window of whichever call starts a process next.
    """
    multiprocessing.active_children()
    own_before, all_before = _cpu_seconds()
    fn()
    own_after, all_after = _cpu_seconds()
    return own_after - own_before, all_after - all_before


def parallel_map_is_fast_enough(parallel_map: Callable[..., Any], workers: int = 2, method: str = "spawn") -> None:
    """The work is done outside the notebook's process, and costs at most three times the CPU time that a plain
    Pool(workers).map spends on it, all processes counted.

    CPU time, not the clock: what the cores give at one moment depends on the machine's load, so a speed
    measured on a busy grader would change the verdict from run to run, while the CPU time a piece of code
    spends is the same. Two criteria. The notebook's own process (all its threads) must use less than half
    the CPU time the work takes in a loop: the work ran elsewhere. And the notebook's process and every
    process it started, together, at most three times what a plain Pool.map uses for the same items under
    the same start method: starting a process or a pool per item, or sending large arguments again and again,
    costs far more than that (under spawn each start imports Python anew). That the workers run at the same
    moment is what parallel_map_runs_in_parallel checks.
    """
    items = [10_000] * 32
    if method not in start_methods():
        method = start_methods()[0]
    theirs = importable(parallel_map)

    def reference() -> None:
        with multiprocessing.Pool(workers) as pool:
            pool.map(count_primes, items)

    with default_start_method(method), every_process_joined():
        work, _ = _cpu_used(lambda: [count_primes(x) for x in items])
        _, pool_map = _cpu_used(reference)
        own, total = _cpu_used(lambda: _call(theirs, count_primes, items, workers))
    report = (f"Under {method}, the work takes {work:.2f} CPU-s in a loop; a plain Pool({workers}).map spent "
              f"{pool_map:.2f} CPU-s on it in all, your parallel_map {total:.2f} CPU-s ({own:.2f} of them in the "
              f"notebook's own process).")
    print(report)
    assert own < work / 2, (
        f"{report} More than half of the work's CPU time was spent in the notebook's own process: the work ran "
        f"here, in a loop or in threads, which cannot run Python code in parallel. Hand it to worker processes."
    )
    assert total <= 3 * pool_map, (
        f"{report} Yours may spend at most three times what Pool.map does. Look for what costs CPU time besides "
        f"the work: a process started per item (each start costs far more than a small task), a new pool per "
        f"item, or large arguments sent again for every task."
    )


# --------------------------------------------------------------------------- Exercise: add_many

_LOCK_ADVICE = (
    "Hold counter.get_lock() around the whole read–modify–write: `with counter.get_lock(): counter.value "
    "+= 1`, taken anew from each call's counter. Letting go of it between the read and the write lets "
    "another process in between. A lock made inside add_many, a threading.Lock, or a multiprocessing.Lock "
    "made when the cell runs is not shared: each spawned process imports your cell anew and makes a lock "
    "of its own."
)


def _add_in_turn(add_many: Callable[..., Any], counter: Any, calls: tuple[int, ...]) -> None:
    """A child's work for counter_counts_correctly: call add_many(counter, times) for each of ``calls``."""
    for times in calls:
        add_many(counter, times)


def counter_counts_correctly(add_many: Callable[..., Any], calls: tuple[int, ...] = (5, 0, 1, 7)) -> None:
    """add_many(counter, times) adds exactly ``times``, called once for each of ``calls`` in one child process
    under each start method.

    This checks the arithmetic and that the function works in a child at all; losing updates to a
    concurrent process is what counter_survives_forced_race checks. (Two processes racing on a real
    Value lose updates only now and then: no verdict to rely on.)
    """

    def check(method: str) -> None:
        ctx = multiprocessing.get_context(method)
        counter = ctx.Value("i", 0)
        _all_succeeded(run_in_children(ctx, _add_in_turn, [(importable(add_many), counter, calls)], SECONDS),
                       "add_many")
        assert counter.value == sum(calls), (
            f"Calls of add_many(counter, times) with times = {', '.join(map(str, calls))}, one after another in "
            f"a child process, should leave counter.value at {sum(calls)}, but it is {counter.value}: add 1, "
            f"`times` times, to the counter you are given."
        )

    _under_each_start_method(check)


def _take_part(counter: ForcedHandoffValue, add_many: Callable[..., Any], times: int, decoy: Any) -> None:
    """A child's part in the forced race: add 1 to a counter of its own first (so that a lock kept from an
    earlier call is the wrong one), then start with the other participants and run add_many."""
    add_many(decoy, 1)
    with counter.participant():
        add_many(counter, times)


def counter_survives_forced_race(add_many: Callable[..., Any], times: int = 2) -> None:
    """Two processes are held inside every read and write of counter.value, and right after each lets go
    of its lock, until the other arrives too.

    Unlocked code, and code that locks the read and the write separately, loses an update on every run;
    code that holds counter.get_lock() around the whole update never does (see
    course.processes.ForcedHandoffValue). Each child first calls add_many on a counter of its own: a lock
    taken from an earlier call's counter, and kept, is not this counter's lock.
    """

    def check(method: str) -> None:
        ctx = multiprocessing.get_context(method)
        counter, decoys = ForcedHandoffValue(ctx, parties=2, patience=2.0), [ctx.Value("i", 0) for _ in range(2)]
        parts = [(counter, importable(add_many), times, decoy) for decoy in decoys]
        _all_succeeded(run_in_children(ctx, _take_part, parts, SECONDS), "add_many")
        got, expected = counter.value, 2 * times
        assert got == expected, (
            f"With two processes forced to interleave, add_many(counter, {times}) in each gave {got} instead of "
            f"{expected}: an update was lost, because both processes read the same old value and both wrote "
            f"it back plus one. " + _LOCK_ADVICE
        )
        assert [d.value for d in decoys] == [1, 1], (
            f"add_many(counter, 1) on a fresh counter left counter.value at {[d.value for d in decoys]}, not 1."
        )

    _under_each_start_method(check)


# --------------------------------------------------------------------------- Exercise: run_pipeline

_PIPELINE_HANG = (
    "run_pipeline did not finish. Two usual causes: a process joined before the queue it fed was "
    "drained (a process that has put data on a Queue cannot exit until that data is read: read every "
    "result first, then join), or a stage that never recognises its sentinel (an object() sentinel is a "
    "different object once it has crossed to another process: compare a value, or send a class)."
)


_STAGE_ERROR_HANG = (
    "run_pipeline did not finish. A stage whose function raises ends its process unless it catches the "
    "exception, and then the next stage waits for ever; a stage that stops reading its queue leaves the stage "
    "before it unable to flush its results and end. Catch the exception in the stage, pass it on in place of "
    "a result, keep reading until the sentinel, and raise it in run_pipeline once every process is joined."
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
        f"or repeated: {[v for _, v in extra.elements()][:5]}. Falsy items such as 0, None or '', and items "
        f"equal to a value (or the name of a class) your cell uses, are items too: end the stream with a "
        f"sentinel no item can be, such as a class of your own compared with `is`."
    )
    assert [_key(v) for v in got] == [_key(v) for v in items], (
        f"The results came back in the order {got}, not in the input order {items}: with one process per "
        f"stage and FIFO queues, order is kept by itself."
    )


ITEMS = (0, None, "", False, "STOP", -1, 2.5, (), "last", b"", 0.0, [], {}, ..., StopIteration, "None", "Stop",
         "stop", "END", "DONE", "__STOP__", "SENTINEL", "<STOP>", "Ellipsis")
"""Items a sentinel might be mistaken for: falsy values of every type, the usual stop words, classes, ``...``."""

_SIMPLE = (str, bytes, int, float, bool, type(None), tuple, type(...))


def _simple(value: Any) -> bool:
    """A value a sentinel could be written as in code (a constant, or a tuple of them), short enough to send."""
    if isinstance(value, tuple):
        return all(map(_simple, value))
    return isinstance(value, _SIMPLE) and len(repr(value)) <= 200


def _constants(code: types.CodeType) -> list[Any]:
    """The literal constants in ``code`` and in the code nested in it (comprehensions, inner functions)."""
    found = []
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found += _constants(const)
        elif _simple(const):
            found.append(const)
    return found


def _lookalikes(run_pipeline: Callable[..., Any]) -> list[Any]:
    """Items equal to what this solution cell could use as a sentinel, and to their names and reprs.

    The statement lets items be any picklable object, so none may end the stream: every constant in the
    cell's code and at its top level, and the name, str and repr of every class and object it defines
    there (a sentinel compared by its text then stops at an item that reads the same).
    """
    module = sys.modules[importable(run_pipeline).__module__]
    found: list[Any] = []
    for name, value in vars(module).items():
        if name.startswith("__") or isinstance(value, types.ModuleType):
            continue
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            found += _constants(value.__code__)
        elif isinstance(value, type) and value.__module__ == module.__name__:
            found += [value.__name__, str(value), repr(value)]
            found += [c for f in vars(value).values() if isinstance(f, types.FunctionType) for c in _constants(f.__code__)]
            found += [v for v in vars(value).values() if _simple(v)]
        elif _simple(value):
            found += [value, repr(value)]
        elif not callable(value):
            found += [str(value), repr(value)]
    unique = {_key(v): v for v in found}
    return [v for k, v in unique.items() if k not in {_key(i) for i in ITEMS}]


def pipeline_delivers_every_item(run_pipeline: Callable[..., Any], items: Iterable[Any] | None = None,
                                 n_stages: int = 3, every_method: bool = True) -> None:
    """Every item passes once through every stage in order; each stage runs in a process of its own,
    started with the default start method. By default the items are ITEMS and the cell's _lookalikes.
    ``every_method=False``: under the strictest start method only (for edge cases, to save time)."""
    items = list(ITEMS) + _lookalikes(run_pipeline) if items is None else list(items)

    def check(method: str) -> None:
        home, mark = mark_this_process()
        results = _run_pipeline(run_pipeline, list(items), [Stage(k, home=home, mark=mark) for k in range(n_stages)])
        _same_items([value for value, _, _ in results], items)
        for value, trail, _ in results:
            assert [entry[0] for entry in trail] == list(range(n_stages)), (
                f"Item {value!r} went through stages {[entry[0] for entry in trail]}, not through each of the "
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
        _started_as(method, {entry[2] for _, trail, _ in results for entry in trail}, "the stages")

    _under_each_start_method(check, None if every_method else start_methods()[:1])


def pipeline_without_stages(run_pipeline: Callable[..., Any], items: Iterable[Any] = ITEMS) -> None:
    """run_pipeline(items, []) returns the items themselves, as a list, in order."""

    def check(method: str) -> None:
        got = _as_list(_call(run_pipeline, list(items), [], hint=_PIPELINE_HANG), "run_pipeline")
        assert [_key(v) for v in got] == [_key(v) for v in items], (
            f"run_pipeline(items, []) should return the items unchanged, as a list (a pipeline of no stages), "
            f"but it returned {got} for {list(items)}."
        )

    _under_each_start_method(check)


def pipeline_shuts_down_cleanly(run_pipeline: Callable[..., Any], count: int = 16, padding: int = 16 * 1024) -> None:
    """Items from a generator, results that overflow a pipe: all delivered, nothing left running."""

    def check(method: str) -> None:
        results = _run_pipeline(run_pipeline, (i for i in range(count)), [Stage(0), Stage(1, padding)])
        _same_items([value for value, _, _ in results], list(range(count)))

    _under_each_start_method(check)


def _raises(run_pipeline: Callable[..., Any], items: list[Any], stages: list[Stage], case: str,
            hint: str) -> BaseException:
    """The exception run_pipeline raises (within SECONDS) for a bad case; fail when it returns instead."""
    try:
        got = _call(run_pipeline, items, stages, hint=f"{case}: {hint}")
    except TookTooLong:
        raise
    except Exception as exc:  # noqa: BLE001 -- what the student's code raised is what is checked
        return exc
    raise AssertionError(f"{case}, run_pipeline should raise, but it returned {got!r}.")


def pipeline_reports_failures(run_pipeline: Callable[..., Any], count: int = 24, padding: int = 16 * 1024) -> None:
    """A stage that raises, an item that cannot be pickled: run_pipeline raises, and every process has ended.

    The stage that raises comes second and fails on the fourth item, while the first stage's results
    are big enough that a stage that stopped reading its queue would leave its predecessor blocked.
    """
    refused = 3
    stages = [Stage(0, padding), Stage(1, refuse=(refused,)), Stage(2)]

    def check(method: str) -> None:
        case = f"When stage 1 raises ValueError('stage 1 refuses {refused}')"
        exc = _raises(run_pipeline, list(range(count)), stages, case, _STAGE_ERROR_HANG)
        assert type(exc) is ValueError and str(exc) == f"stage 1 refuses {refused}", (
            f"{case}, run_pipeline should raise that same exception, but it raised {type(exc).__name__}: {exc}. "
            f"Catch it in the stage, send it on down the pipeline in place of a result, keep reading (and "
            f"passing on) until the sentinel, and raise it in run_pipeline once every process is joined."
        )
        case = "When an item cannot be pickled (a threading.Lock)"
        exc = _raises(run_pipeline, [1, 2, threading.Lock(), 4], [Stage(0), Stage(1)], case, _PIPELINE_HANG)
        assert "pickl" in str(exc).lower(), (
            f"{case}, run_pipeline should raise the pickling error, but it raised {type(exc).__name__}: {exc}. "
            f"Queue.put() only hands the item to a feeder thread, which pickles it later and can only print "
            f"the error: pickle each item yourself before sending it (pickle.dumps), or send through a Pipe, "
            f"whose send() pickles at once; then stop the stages, join them, and raise."
        )

    _under_each_start_method(check)
