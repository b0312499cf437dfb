"""Tests of course.coroutines (the reference scheduler, TaskTimeline, sleeper measurements) and of the
virtual-clock event loop and bounds that Chapter 6's checks put around student code.

Timing assertions are ratios or generous bounds (a loaded 2-core CI machine); the sleeper measurement
uses small counts so that it stays well under a second.
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest

from course.checks import ch06_coroutines as checks
from course.coroutines import ReadWait, Scheduler, SleeperCost, TaskTimeline, measure_sleepers, run_loop
from course.task_widgets import timeline_with_permits


def steps(name: str, count: int, log: list[str], result: object = None):
    for i in range(count):
        log.append(f"{name}{i}")
        yield
    return result


def test_scheduler_takes_turns_and_collects_return_values() -> None:
    log: list[str] = []
    scheduler = Scheduler()
    ids = [scheduler.spawn(steps("A", 3, log, "a")), scheduler.spawn(steps("B", 1, log, 0))]
    assert ids == [0, 1]
    assert scheduler.run() == {0: "a", 1: 0}
    assert log == ["A0", "B0", "A1", "A2"]


def test_scheduler_spawns_yielded_generators_and_sends_their_ids() -> None:
    log: list[str] = []

    def parent():
        child_id = yield steps("child", 2, log, "c")
        log.append(f"parent got {child_id}")
        return "p"

    scheduler = Scheduler()
    scheduler.spawn(parent())
    scheduler.spawn(steps("B", 2, log))
    assert scheduler.run() == {0: "p", 1: None, 2: "c"}
    assert log == ["B0", "child0", "parent got 2", "B1", "child1"]


def test_scheduler_with_no_task_returns_an_empty_dict() -> None:
    assert Scheduler().run() == {}


def test_run_loop_wakes_a_reader_when_data_arrives_not_at_the_next_timer() -> None:
    """The reader sleeps in the selector: it runs as soon as the sender's bytes arrive, long before the
    only timer still pending, and the waiting costs no CPU (no polling)."""
    log: list[str] = []

    def reader(sock: socket.socket):
        yield ReadWait(sock)
        log.append(f"read {sock.recv(10)!r}")

    def sender(sock: socket.socket):
        yield 0.05
        log.append("sent")
        sock.send(b"hi")

    def sleeper():
        yield 0.6
        log.append("timer")

    near, far = socket.socketpair()
    with near, far:
        began, cpu = time.monotonic(), time.process_time()
        run_loop(reader(near), sender(far), sleeper())
        assert log == ["sent", "read b'hi'", "timer"]
        assert time.monotonic() - began >= 0.6
        assert time.process_time() - cpu < 0.3, "run_loop used the CPU while every task was waiting"


def test_run_loop_still_runs_timers_alone_in_wake_up_order() -> None:
    log: list[str] = []

    def napper(name: str, naps: list[float]):
        for seconds in naps:
            yield seconds
            log.append(name)

    run_loop(napper("A", [0.03, 0.03]), napper("B", [0.045]), napper("C", [0]))
    assert log == ["C", "A", "B", "A"]


def test_run_loop_bounds_a_task_that_waits_for_data_that_never_comes() -> None:
    def reader(sock: socket.socket):
        yield ReadWait(sock)

    near, far = socket.socketpair()
    with near, far:
        began = time.monotonic()
        with pytest.raises(TimeoutError, match="still waiting after 0.2 s"):
            run_loop(reader(near), limit=0.2)
        assert time.monotonic() - began < 2


def test_task_timeline_has_a_row_per_asyncio_task_all_in_one_thread() -> None:
    tl = TaskTimeline()
    threads: set[str] = set()

    async def work() -> None:
        for _ in range(2):
            with tl.span("run"):
                threads.add(threading.current_thread().name)
                await asyncio.sleep(0)

    async def main() -> str:
        async with asyncio.TaskGroup() as group:
            for name in ("one", "two"):
                group.create_task(work(), name=name)
        tl.mark("done")
        tl.mark("named", task="elsewhere")
        return asyncio.current_task().get_name()

    main_task = asyncio.run(main())
    assert {s.thread for s in tl.spans} == {"one", "two"}
    assert {m.label: m.thread for m in tl.marks} == {"done": main_task, "named": "elsewhere"}
    assert len(threads) == 1
    assert tl.max_concurrent("run") == 2  # the spans include an await: both tasks are inside one at once


def test_task_timeline_outside_a_loop_uses_the_thread_name() -> None:
    tl = TaskTimeline()
    with tl.span("plain"):
        pass
    assert tl.spans[0].thread == threading.current_thread().name


def test_measure_sleepers_reports_time_and_memory_from_a_fresh_interpreter() -> None:
    for kind in ("tasks", "threads"):
        cost = measure_sleepers(kind, 50, runs=1)
        assert isinstance(cost, SleeperCost) and cost.kind == kind and cost.count == 50
        assert cost.start_seconds > 0 and cost.finish_seconds > 0 and cost.memory_kib >= 0
    with pytest.raises(ValueError, match="kind must be"):
        measure_sleepers("processes", 1)


def test_ideal_time_fills_slots_in_order() -> None:
    fake = checks.FakeFetch({"a": 0.3, "b": 0.1, "c": 0.1, "d": 5.0})
    assert fake.ideal_seconds(["a", "b", "c"], limit=2, timeout=1.0) == pytest.approx(0.3)
    assert fake.ideal_seconds(["a", "b", "c"], limit=1, timeout=1.0) == pytest.approx(0.5)
    assert fake.ideal_seconds(["d"], limit=1, timeout=0.2) == pytest.approx(0.2)


def test_virtual_loop_takes_no_real_time_and_measures_loop_time_exactly() -> None:
    async def sleeps() -> float:
        await asyncio.sleep(3.0)
        async with asyncio.timeout(0.5):
            await asyncio.sleep(0.25)
        return asyncio.get_running_loop().time()

    began = time.monotonic()
    run = checks._run_virtual(sleeps)
    assert run.result() == run.took == run.ended == 3.25
    assert time.monotonic() - began < 1


def test_run_virtual_reports_a_deadlock_at_once_with_where_tasks_wait() -> None:
    async def stuck() -> None:
        await asyncio.Event().wait()

    began = time.monotonic()
    with pytest.raises(checks.TookTooLong, match=r"(?s)within 5 s.*in stuck"):
        checks._run_virtual(stuck)
    assert time.monotonic() - began < 1


def test_run_virtual_stops_a_loop_that_never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "REAL_SECONDS", 0.3)
    stopped = threading.Event()

    async def spins() -> None:
        try:
            while True:
                await asyncio.sleep(0)
        finally:
            stopped.set()

    with pytest.raises(checks.TookTooLong, match="busy"):
        checks._run_virtual(spins)
    assert stopped.is_set(), "the spinning task should have been cancelled before the check failed"


def test_run_virtual_fails_at_once_when_a_task_is_left_running() -> None:
    async def leaves_one() -> str:
        asyncio.get_running_loop().create_task(asyncio.sleep(10), name="forgotten")
        return "returned"

    with pytest.raises(checks.LeftoverTasks, match=r"(?s)1 task.*'forgotten'"):
        checks._run_virtual(leaves_one)


def test_run_virtual_counts_a_cancelled_task_never_awaited_as_running() -> None:
    async def cancels_only() -> None:
        task = asyncio.create_task(asyncio.sleep(10), name="cancelled")
        await asyncio.sleep(0)
        task.cancel()

    async def cancels_and_awaits() -> str:
        task = asyncio.create_task(asyncio.sleep(10))
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return "clean"

    with pytest.raises(checks.LeftoverTasks, match="'cancelled'"):
        checks._run_virtual(cancels_only)
    assert checks._run_virtual(cancels_and_awaits).result() == "clean"


def test_run_virtual_hands_back_the_exception_and_when_it_was_raised() -> None:
    async def fails() -> None:
        await asyncio.sleep(0.5)
        raise KeyError("late")

    run = checks._run_virtual(fails)
    assert isinstance(run.error, KeyError) and run.ended == 0.5
    with pytest.raises(KeyError):
        run.result()


def test_run_virtual_asks_for_async_def() -> None:
    def plain(x: int) -> int:
        return x

    with pytest.raises(AssertionError, match="async def plain"):
        checks._run_virtual(plain, 1)


# ---------------------------------------------------------------------------------- every variant, direct calls

NOTEBOOK = Path(__file__).parents[1] / "source" / "ch06_coroutines" / "ch06_coroutines.ipynb"
VARIANTS = Path(__file__).parent / "submissions" / "ch06_coroutines"


def _check_cells() -> dict[str, list[str]]:
    """For each solution or answer cell id, the sources of the check cells after it, hidden checks included."""
    cells: dict[str, list[str]] = {}
    current = None
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("solution"):  # an exercise's solution cell or a checkpoint's answer cell
            current = grading["grade_id"]
            cells[current] = []
        elif grading.get("grade") and current is not None:
            cells[current].append(cell.source)
    return cells


CHECK_CELLS = _check_cells()
ALL_VARIANTS = sorted(VARIANTS.glob("*/*/*.py"))


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda p: "/".join(p.parts[-3:]))
def test_every_variant_gets_its_verdict_from_the_checks_called_directly(variant: Path) -> None:
    """Each wrong answer (wrong/ and also_wrong/) fails a check cell, each right one passes them all.

    tests/test_autograde.py grades wrong/ and right/ through nbgrader, a whole notebook each; the
    also_* folders hold further near-misses that only this test runs, at the cost of a few milliseconds.
    The check cells run as the grader runs them: the same sources, their hidden checks included.
    """
    solution_id, verdict = variant.parts[-3], variant.parts[-2]
    assert verdict in {"wrong", "right", "also_wrong", "also_right"} and solution_id in CHECK_CELLS
    answer: dict = {}
    exec(compile(variant.read_text(), str(variant), "exec"), answer)
    failures = []
    for source in CHECK_CELLS[solution_id]:
        try:
            exec(compile(source, f"check cell of {solution_id}", "exec"), dict(answer))
        except AssertionError as failure:
            failures.append(str(failure)[:300])
    if verdict.endswith("wrong"):
        assert failures, f"{variant.name} passed every check of {solution_id}"
    else:
        assert not failures, f"{variant.name} failed: {failures}"


# ------------------------------------------------------------------------- the permits widget's measurement

async def _download(tl: TaskTimeline, permits: asyncio.Semaphore, seconds: float) -> None:
    async with permits:
        with tl.span("downloads"):
            await asyncio.sleep(seconds)


@pytest.mark.parametrize("permits", [1, 3])
def test_timeline_with_permits_runs_exactly_that_many_at_once(permits: int) -> None:
    tl = timeline_with_permits(_download, permits, tasks=4, seconds=0.02)
    assert len(tl.spans) == 4 and tl.max_concurrent("downloads") == permits
    assert len(set(tl.threads)) == 4  # a row per task


def test_timeline_with_permits_raises_what_a_download_raised_and_leaves_no_thread() -> None:
    async def broken(tl: TaskTimeline, permits: asyncio.Semaphore, seconds: float) -> None:
        raise KeyError("no such page")

    before = set(threading.enumerate())
    with pytest.raises(ExceptionGroup) as raised:
        timeline_with_permits(broken, 2, tasks=2)
    assert raised.group_contains(KeyError)
    assert set(threading.enumerate()) <= before


def test_timeline_with_permits_bounds_a_download_that_never_ends() -> None:
    async def stuck(tl: TaskTimeline, permits: asyncio.Semaphore, seconds: float) -> None:
        await asyncio.Event().wait()

    began = time.monotonic()
    with pytest.raises(TimeoutError):
        timeline_with_permits(stuck, 1, tasks=2, timeout=0.2)
    assert time.monotonic() - began < 2
