"""Checks for the exercises of Chapter 2 (processes vs threads): predict and creation_costs.

The answers are not compared with a table: each check runs the real experiment on the grading machine
(``course.workloads.who_sees_what``, and a record of the threads and processes the student's code starts),
so a verdict is about what threads and processes actually do. A measured time is never compared with a
number or with another measurement: it is bracketed by the record of the same call (when each worker was
started and joined), which holds on a quiet machine and on a loaded one alike.

Exercise 1, ``predict(kind)``: what the statement requires, and the check that enforces it.

| requirement                                                        | check                                   |
|--------------------------------------------------------------------|-----------------------------------------|
| a dict with the five keys "list" … "inherited"                     | ``_check_prediction`` (every call)      |
| each answer True or False (not 0/1, not a string)                  | ``_check_prediction``                   |
| right for a writer thread                                          | ``predicts_a_thread``                   |
| right for the default start method                                 | ``predicts_default_processes``          |
| right for spawn, forkserver and fork, each run for real            | ``predicts_every_start_method``         |
| reasoned, not tried: starts no thread or process, runs no writer   | ``_check_prediction`` (watched_workers, |
|                                                                    | call_own_work)                          |
| only answers: changes neither MARK nor the environment             | ``_check_prediction``                   |
| a mismatch is reported per kind of writer, never per answer, and    | ``_check_prediction`` (message)         |
| without the right value, so the answers cannot be found by trial   |                                         |

Exercise 2, ``creation_costs(kind, count)``:

| requirement                                                        | check                                   |
|--------------------------------------------------------------------|-----------------------------------------|
| a list of ``count`` numbers (int or float, not bool), each above 0 | ``_measure``                            |
| ``count`` may be 0: an empty list, and nothing started             | ``costs_are_seconds``                   |
| exactly ``count`` workers, each running ``workloads.nothing``      | ``_covered_costs``                      |
| a thread for "thread"; otherwise a process started with the start  | ``_covered_costs`` (the start method the|
| method ``kind``, whatever the default is (get_context(kind))       | Popen really used), run for every method|
|                                                                    | with the default set to another one     |
| the default start method left as it was                            | ``_measure``                            |
| one after another: each worker joined before the next is started   | ``_covered_costs``                      |
| each cost covers the worker's start() to the end of its join(),    | ``_covered_costs`` (lower bound)        |
| in wall-clock seconds                                              |                                         |
| each cost no longer than the time between the previous worker's    | ``costs_are_seconds`` (upper bound:     |
| join and the next one's start (so: seconds, per worker, not summed)| catches ms, ns, cumulative times)       |
| written by hand, not ``workloads.creation_costs``                  | ``_measure`` (call_own_work)            |
| every worker joined, nothing left running, looked at immediately   | ``_measure`` (call_watched)            |
| any other kind (with ``count`` >= 1): ValueError, as get_context   | ``unknown_kinds_are_refused``           |
| raises, rather than a thread or a default-method process measured  |                                         |
"""
from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from typing import Any

from course import workloads
from course.processes import Started, call_watched, default_start_method, start_methods

SECONDS = 5  # bound on a call that only thinks
MEASURING_SECONDS = 60  # bound on a call that starts processes (spawn is slow on a loaded machine)
SLACK = 1e-4  # seconds: clock readings of the student and of the record, both monotonic, may differ this much

_HINTS = (
    "Go through the writer's five steps and ask, for each: does it change memory (the list, a module global), "
    "the process's environment, or the file system, and does a {kind} writer share that with its parent, get "
    "a copy of it, or start afresh? The sections on memory, on the environment and on the start methods "
    "above show each case"
)


# --------------------------------------------------------------------------- Exercise 1: predict

def _call_predict(predict: Callable[[str], Any], kind: str) -> Any:
    """The student's answer for ``kind``, once checked to have only answered: no worker, no change."""
    environment_before = os.environ.get(workloads.ENVIRONMENT_NAME)
    mark_before = workloads.MARK
    got, started = call_watched(SECONDS, predict, kind, forbidden=[workloads.who_sees_what, workloads.write_everywhere])
    assert not started, (
        f"predict({kind!r}) started {len(started)} thread(s) or process(es): it must answer from what you "
        f"know, without running an experiment. Return the five answers directly."
    )
    changed = os.environ.get(workloads.ENVIRONMENT_NAME) != environment_before or mark_before != workloads.MARK
    os.environ.pop(workloads.ENVIRONMENT_NAME, None)  # the experiment needs it unset, as it was
    workloads.MARK = mark_before
    assert not changed, (
        f"predict({kind!r}) changed {workloads.ENVIRONMENT_NAME} in the environment or course.workloads.MARK: "
        f"that would change the experiment it predicts. predict only answers; it changes nothing."
    )
    return got


def _check_prediction(predict: Callable[[str], Any], kind: str) -> None:
    got = _call_predict(predict, kind)
    keys = list(workloads.WRITES)
    assert isinstance(got, dict), f"predict({kind!r}) returned {got!r}: return a dict with the keys {keys}."
    missing = [key for key in keys if key not in got]
    assert not missing, f"predict({kind!r}) has no answer for {missing}: give True or False for each of {keys}."
    odd = {key: got[key] for key in keys if not isinstance(got[key], bool)}
    assert not odd, f"predict({kind!r}) gave {odd}: each answer must be True or False."
    truth = workloads.who_sees_what(kind)
    assert all(got[key] == truth[key] for key in keys), (
        f"predict({kind!r}) does not match the experiment just run on this machine with a {kind} writer, in "
        f"at least one of its five answers. {_HINTS.format(kind=kind)}."
    )


def predicts_a_thread(predict: Callable[[str], Any]) -> None:
    """What a writer thread changes, its parent sees; and it sees what its parent set."""
    _check_prediction(predict, "thread")


def predicts_default_processes(predict: Callable[[str], Any]) -> None:
    """A writer process started with this machine's default start method."""
    _check_prediction(predict, multiprocessing.get_start_method())


def predicts_every_start_method(predict: Callable[[str], Any]) -> None:
    """A writer process started with each start method this machine has (spawn, forkserver, fork)."""
    for method in start_methods():
        _check_prediction(predict, method)


# --------------------------------------------------------------------------- Exercise 2: creation_costs

def _measure(creation_costs: Callable[[str, int], Any], kind: str, count: int) -> tuple[list[float], list[Started], float, float]:
    """Call the student's creation_costs(kind, count), recording the workers it starts and when the call ran."""
    call = f"creation_costs({kind!r}, {count})"
    default = multiprocessing.get_start_method()
    began = time.perf_counter()
    costs, started = call_watched(MEASURING_SECONDS, creation_costs, kind, count, forbidden=[workloads.creation_costs])
    ended = time.perf_counter()
    now = multiprocessing.get_start_method()
    multiprocessing.set_start_method(default, force=True)
    assert now == default, (
        f"{call} changed the default start method from {default!r} to {now!r}. Leave the default alone: "
        f"make the processes with multiprocessing.get_context(kind).Process, which uses kind for them only."
    )
    assert isinstance(costs, (list, tuple)) and len(costs) == count, (
        f"{call} returned {costs!r}: return a list of {count} numbers, the seconds each worker took."
    )
    numbers = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in costs)
    assert numbers and all(c > 0 for c in costs), f"{call} returned {costs!r}: each cost must be a number of seconds above 0."
    return list(costs), started, began, ended


def _covered_costs(creation_costs: Callable[[str, int], Any], kind: str, count: int) -> tuple[list[float], list[float]]:
    """The student's costs, checked to cover each worker's life from start() to the end of join(); and for
    each worker the most its cost can be: from the previous worker's join (or the call) to the next one's start.

    Every judgement of the costs rests on this record, so that a measurement of the wrong steps fails
    for that reason on every run, and never passes or fails by the luck of the timings."""
    costs, started, began, ended = _measure(creation_costs, kind, count)
    call = f"creation_costs({kind!r}, {count})"
    mine = [s for s in started if s.target is workloads.nothing]
    assert mine, (
        f"{call} started no thread or process whose target is course.workloads.nothing: create each worker "
        f"with target=nothing, then start() and join() it."
    )
    assert len(mine) == len(started) == count, (
        f"{call} started {len(started)} thread(s) or process(es), {len(mine)} of them running nothing; "
        f"start exactly {count}, each with target=nothing."
    )
    wrong_kind = sorted({s.kind for s in started} - {kind})
    assert not wrong_kind, (
        f"{call} started workers of kind {wrong_kind}, not {kind!r}: make threads with threading.Thread and "
        f"processes with multiprocessing.get_context(kind).Process, so that the start method is the one asked "
        f"for, whatever the default is."
    )
    assert all(s.joined is not None for s in started), f"{call} did not join() every worker it started: join each one."
    for before, after in zip(started, started[1:], strict=False):
        assert after.started > before.joined, (
            f"{call} started a worker before it had joined the previous one: create, start and join each "
            f"worker in turn, so that each cost is one worker's alone."
        )
    ceilings = []
    for number, (cost, record) in enumerate(zip(costs, started, strict=True), 1):
        lived = record.joined - record.started
        if cost < lived - SLACK:
            raise AssertionError(
                f"{call}: worker {number} took {1000 * lived:.3f} ms from its start() to the end of its join(), "
                f"but you report {1000 * cost:.3f} ms. Read the clock before you create the worker and again "
                f"after join() returns, with wall-clock time (time.perf_counter()), not CPU time."
            )
        floor = started[number - 2].joined if number > 1 else began
        ceiling = started[number].started if number < count else ended
        ceilings.append(ceiling - floor)
    return costs, ceilings


def costs_cover_start_to_join(creation_costs: Callable[[str, int], Any]) -> None:
    """Each cost covers its worker's whole life, for threads and for the default start method."""
    _covered_costs(creation_costs, "thread", 10)
    _covered_costs(creation_costs, multiprocessing.get_start_method(), 3)


def costs_follow_the_start_method(creation_costs: Callable[[str, int], Any]) -> None:
    """Asked for each start method in turn, with the default set to another one, it starts processes that way."""
    methods = start_methods()
    for i, method in enumerate(methods):
        with default_start_method(methods[i - 1]):  # another method than the one asked for, where there is one
            _covered_costs(creation_costs, method, 2)


def costs_are_seconds(creation_costs: Callable[[str, int], Any]) -> None:
    """Costs in seconds, one worker each: no cost longer than the time from the previous worker's join (or the
    call's start) to the next worker's start (or the call's end), the most a cost of that worker can be."""
    for kind, count in (("thread", 20), (multiprocessing.get_start_method(), 4), ("thread", 1)):
        costs, ceilings = _covered_costs(creation_costs, kind, count)
        for number, (cost, ceiling) in enumerate(zip(costs, ceilings, strict=True), 1):
            assert cost <= ceiling + SLACK, (
                f"creation_costs({kind!r}, {count}): worker {number} cannot have taken more than "
                f"{1000 * ceiling:.3f} ms (from the end of the previous worker's join, or the start of the call, "
                f"to the next worker's start), but you report {cost:.6g} s. Return seconds (time.perf_counter() "
                f"differences, not multiplied by 1000, not in nanoseconds), each for its own worker only."
            )
    costs, started, _, _ = _measure(creation_costs, "thread", 0)
    assert not started, f"creation_costs('thread', 0) started {len(started)} worker(s): with count 0, start none."


def unknown_kinds_are_refused(creation_costs: Callable[[str, int], Any]) -> None:
    """A kind that is neither "thread" nor a start method raises ValueError: measuring some other worker instead
    would give numbers that answer another question."""
    for kind in ("threads", "forks"):
        call = f"creation_costs({kind!r}, 2)"
        try:
            got, started = call_watched(MEASURING_SECONDS, creation_costs, kind, 2, forbidden=[workloads.creation_costs])
        except ValueError:
            continue
        except AssertionError:
            raise
        except Exception as error:
            raise AssertionError(
                f"{call} raised {type(error).__name__}: {error}. For a kind that is neither 'thread' nor a start "
                f"method, raise ValueError, the error multiprocessing.get_context(kind) gives for a name it does not know."
            ) from error
        kinds = sorted({s.kind for s in started}) or ["no"]
        raise AssertionError(
            f"{call} returned {got!r} after starting {len(started)} worker(s) of kind {', '.join(kinds)}: {kind!r} is "
            f"neither 'thread' nor a start method, so there is nothing to measure. Raise ValueError instead; "
            f"multiprocessing.get_context(kind) raises it for you."
        )
