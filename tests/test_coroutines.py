"""Tests of course.coroutines (the reference scheduler, TaskTimeline, sleeper measurements) and of the
asyncio bounds that Chapter 6's checks put around student code.

Timing assertions are ratios or generous bounds (a loaded 2-core CI machine); the sleeper measurement
uses small counts so that it stays well under a second.
"""
from __future__ import annotations

import asyncio
import threading

import pytest

from course.checks import ch06_coroutines as checks
from course.coroutines import Scheduler, SleeperCost, TaskTimeline, measure_sleepers


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


def test_await_within_reports_where_stuck_tasks_wait_and_cancels_them() -> None:
    async def stuck() -> None:
        await asyncio.Event().wait()

    async def main() -> str:
        with pytest.raises(checks.TookTooLong, match=r"(?s)within 0.2 s.*in stuck"):
            await checks._await_within(0.2, stuck)
        return f"{len(asyncio.all_tasks())} task(s) left"

    assert asyncio.run(main()) == "1 task(s) left"  # main itself


def test_await_within_fails_when_tasks_are_left_running() -> None:
    async def leaves_one() -> str:
        asyncio.get_running_loop().create_task(asyncio.sleep(10), name="forgotten")
        return "returned"

    async def main() -> int:
        with pytest.raises(checks.LeftoverTasks, match=r"(?s)1 task.*'forgotten'"):
            await checks._await_within(1, leaves_one)
        return len(asyncio.all_tasks())

    assert asyncio.run(main()) == 1


def test_await_within_asks_for_async_def() -> None:
    def plain(x: int) -> int:
        return x

    with pytest.raises(AssertionError, match="async def plain"):
        asyncio.run(checks._await_within(1, plain, 1))
