"""course.processes: copies of notebook cells import in spawned children, children report back, leftover
processes are caught and stopped, and the witness and the forced race give the same verdict every run."""
from __future__ import annotations

import linecache
import multiprocessing
import tempfile
import threading
import time

import pytest

from pathlib import Path

from course import workloads
from course.fair_clock import MAX_STRETCH
from course.processes import (
    ForcedHandoffValue,
    ForcedRaceValue,
    LeftoverProcesses,
    StartProbe,
    Witness,
    every_process_joined,
    importable,
    no_leftover_processes,
    run_in_children,
)

SPAWN = multiprocessing.get_context("spawn")


def _define_in_a_cell(source: str, name: str, cell: str, **earlier_cells: object) -> object:
    """Define ``name`` as a notebook cell would: in __main__'s name, with its source in linecache."""
    filename = f"/tmp/ipykernel_test/{cell}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace = {"__name__": "__main__", **earlier_cells}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def test_a_copy_of_the_cell_runs_in_a_spawned_child_with_its_helpers() -> None:
    cell = "OFFSET = 10\n\ndef helper(x):\n    return x + OFFSET\n\ndef shifted(x):\n    return helper(x) * 2\n"
    shifted = _define_in_a_cell(cell, "shifted", "helpers")
    copy = importable(shifted)
    assert copy.__module__.startswith("course_cell_") and copy(1) == 22
    [outcome] = run_in_children(SPAWN, copy, [(1,)])
    assert outcome.ok and outcome.value == 22, outcome.error


def test_a_cell_that_needs_other_cells_is_refused_with_advice() -> None:
    needy = _define_in_a_cell("VALUE = defined_elsewhere\n\ndef needy():\n    return VALUE\n", "needy", "needy",
                              defined_elsewhere=1)
    with pytest.raises(AssertionError, match="put every import, helper and constant"):
        importable(needy)


def test_functions_of_modules_are_already_importable() -> None:
    assert importable(workloads.square) is workloads.square


def test_children_bring_back_values_and_errors() -> None:
    ok, failed = run_in_children(SPAWN, workloads.fail_if_negative, [(3,), (-1,)])
    assert (ok.ok, ok.value) == (True, 9)
    assert failed.exitcode == 1 and failed.error_line == "ValueError: negative input: -1"


def test_a_child_that_runs_too_long_is_stopped() -> None:
    started = time.monotonic()
    [outcome] = run_in_children(SPAWN, time.sleep, [(30,)], seconds=1)
    assert time.monotonic() - started < 1 * MAX_STRETCH + 5 and not outcome.ok and "still running" in outcome.error


def _take_part(counter: ForcedRaceValue, times: int, locked: bool) -> None:
    with counter.participant():
        workloads.add(counter, times, threading.Barrier(1), locked)


@pytest.mark.parametrize("method", ["spawn", "fork"])
@pytest.mark.parametrize("attempt", range(2))
def test_an_unlocked_counter_always_loses_and_a_locked_one_never(method: str, attempt: int) -> None:
    ctx = multiprocessing.get_context(method)
    for locked in (False, True):
        counter = ForcedRaceValue(ctx, parties=2)
        outcomes = run_in_children(ctx, _take_part, [(counter, 3, locked)] * 2)
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert (counter.value == 6) is locked, f"locked={locked}: {counter.value}"
        assert counter.waited_out == 0  # every pause ended by a meeting or by knowing none could come


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_chapter_5s_unlocked_adders_lose_updates_on_every_run(method: str) -> None:
    """workloads.add, as Chapter 5's shared-counter cell runs it: four unlocked processes lose at least the three
    updates forced to collide, on any machine; holding the lock loses none."""
    ctx = multiprocessing.get_context(method)
    for locked in (False, True):
        counter, start = ctx.Value("i", 0), ctx.Barrier(4)
        adders = [ctx.Process(target=workloads.add, args=(counter, 50, start, locked)) for _ in range(4)]
        for adder in adders:
            adder.start()
        for adder in adders:
            adder.join(timeout=30)
        assert [a.exitcode for a in adders] == [0] * 4
        assert counter.value == 200 if locked else counter.value <= 197, f"locked={locked}: {counter.value}"


def test_the_witness_tells_a_parallel_map_from_a_sequential_one() -> None:
    def witness(folder: str) -> Witness:
        return Witness(workloads.square, folder, quorum=2, patience=0.5)

    with tempfile.TemporaryDirectory() as folder, SPAWN.Pool(2) as pool:
        together = witness(folder)
        assert pool.map(together, range(6)) == [x * x for x in range(6)]
        assert together.met() and len(set(together.pids())) == 2
    with tempfile.TemporaryDirectory() as folder, SPAWN.Pool(2) as pool:
        one_by_one = witness(folder)
        assert [pool.apply(one_by_one, (x,)) for x in range(4)] == [0, 1, 4, 9]
        assert not one_by_one.met()
    with tempfile.TemporaryDirectory() as folder:
        at_home = witness(folder)
        [at_home(x) for x in range(4)]
        assert not at_home.met() and not Path(folder, "gave_up").exists()  # calls at home never wait


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_leftover_process_is_reported_and_stopped(method: str) -> None:
    sleeper = multiprocessing.get_context(method).Process(target=time.sleep, args=(30,))
    with pytest.raises(LeftoverProcesses, match=r"1 process\(es\).*Process-"):
        with no_leftover_processes(grace=0.2):
            sleeper.start()
    sleeper.join(2)
    assert not sleeper.is_alive()


def test_a_leaked_pool_is_terminated_not_killed() -> None:
    pools = []
    with pytest.raises(LeftoverProcesses, match="PoolWorker"):
        with no_leftover_processes(grace=0.2):
            pools.append(SPAWN.Pool(2))
            pools[0].map(abs, [-1, -2])
    assert pools[0]._state == "TERMINATE"
    pools[0].join()  # would hang had its workers been killed while holding the pool's queue lock


def test_joined_processes_are_not_leftovers() -> None:
    with no_leftover_processes():
        child = SPAWN.Process(target=workloads.square, args=(2,))
        child.start()
        child.join()


def test_every_process_joined_fails_on_a_running_or_an_unjoined_process_at_once() -> None:
    sleeper = SPAWN.Process(target=time.sleep, args=(30,))
    with pytest.raises(LeftoverProcesses, match=r"1 process\(es\) still running"), every_process_joined():
        sleeper.start()
    assert not sleeper.is_alive()
    ended = SPAWN.Process(target=workloads.square, args=(2,))
    with pytest.raises(LeftoverProcesses, match="1 that had ended but that nobody joined"), every_process_joined():
        ended.start()
        while ended.exitcode is None:  # ended, and reaped by exitcode's poll, but never joined
            time.sleep(0.01)
    with every_process_joined():
        joined = SPAWN.Process(target=workloads.square, args=(2,))
        joined.start()
        joined.join()


@pytest.mark.parametrize("named", ["spawn", "forkserver", "fork"])
def test_the_start_probe_sees_the_start_method_that_really_started_a_worker(named: str) -> None:
    home, mark = workloads.mark_this_process()
    with tempfile.TemporaryDirectory() as folder, multiprocessing.get_context(named).Pool(2) as pool:
        probe = StartProbe(workloads.square, folder, home, mark)
        assert pool.map(probe, range(4)) == [0, 1, 4, 9]
        assert probe.methods() == {named}
        assert len(probe.siblings() & {p.pid for p in multiprocessing.active_children()}) == 2


def _lock_twice(counter: ForcedHandoffValue, times: int, whole: bool) -> None:
    """One update under one hold of the lock (whole) or under two, let go between the read and the write."""
    with counter.participant():
        for _ in range(times):
            with counter.get_lock():
                current = counter.value
                if whole:
                    counter.value = current + 1
            if not whole:
                with counter.get_lock():
                    counter.value = current + 1


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_a_lock_let_go_between_read_and_write_always_loses_and_a_whole_one_never(method: str) -> None:
    ctx = multiprocessing.get_context(method)
    for whole in (False, True):
        counter = ForcedHandoffValue(ctx, parties=2, patience=3.0)
        outcomes = run_in_children(ctx, _lock_twice, [(counter, 3, whole)] * 2)
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert (counter.value == 6) is whole, f"whole={whole}: {counter.value}"
        if whole:  # correct code never waits out the patience
            assert counter.waited_out == 0
