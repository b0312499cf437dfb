"""The "be the scheduler" game (course.scheduler_game): its stepping gives the verdicts the puzzles and the
checkpoint promise, for every schedule, and its widget reports a solved puzzle after the right clicks (the
figure it redraws is seen in a real browser, tests/test_browser_ch04.py)."""
from __future__ import annotations

import itertools

import matplotlib
import pytest

from course.scheduler_game import DEADLOCK, LOST_UPDATE, WITHDRAWALS, Game, Program, play, replay

matplotlib.use("Agg")


def _complete_schedules(program: Program) -> list[tuple[str, ...]]:
    """Every order of all the program's lines that keeps each thread's own lines in order."""
    slots = [t for t, lines in program.threads.items() for _ in lines]
    return sorted(set(itertools.permutations(slots)))


def test_an_update_is_lost_exactly_when_both_threads_read_before_either_writes() -> None:
    schedules = _complete_schedules(LOST_UPDATE)
    assert len(schedules) == 20
    for schedule in schedules:
        game = replay(LOST_UPDATE, list(schedule))
        read = {t: schedule.index(t) for t in ("T1", "T2")}  # a thread's first step is its read
        write = {t: len(schedule) - 1 - schedule[::-1].index(t) for t in ("T1", "T2")}  # and its last, the write
        overlap = read["T1"] < write["T2"] and read["T2"] < write["T1"]
        assert game.finished
        assert game.shared["counter"] == (1 if overlap else 2), schedule
        assert bool(game.broken()) == overlap, schedule


def test_opposite_lock_orders_deadlock_once_each_holds_its_first_lock() -> None:
    game = replay(DEADLOCK, ["T1", "T2"])
    assert not game.runnable() and not game.finished
    assert game.broken() == "deadlock: T1 waits for lock_b, held by T2; T2 waits for lock_a, held by T1"
    with pytest.raises(ValueError, match="T1 cannot run: its next line is `lock_b.acquire\\(\\)`, and lock_b is held by T2"):
        game.step("T1")


def test_a_transfer_that_runs_alone_moves_the_money() -> None:
    for first in ("T1", "T2"):
        game = replay(DEADLOCK, [first])
        assert game.finished and game.broken() is None
        assert game.shared == {"a": 110, "b": 90}
        assert game.holder == {"lock_a": None, "lock_b": None}


def test_every_deadlocking_schedule_has_both_first_locks_taken() -> None:
    """Only the runs in which each thread got its first lock before the other's second can deadlock."""
    for prefix in itertools.product(["T1", "T2"], repeat=3):
        try:
            game = replay(DEADLOCK, list(prefix))
        except ValueError:
            continue  # the schedule names a thread that is blocked at that point
        first_steps = [t for t, did in game.events[:2]]
        assert bool(game.broken()) == (sorted(first_steps) == ["T1", "T2"]), (prefix, game.events)


def test_withdrawals_overdraw_only_when_both_checks_come_first() -> None:
    for schedule in _complete_schedules(WITHDRAWALS):
        game = replay(WITHDRAWALS, list(schedule))
        both_checked_first = set(schedule[:2]) == {"alice", "bob"}
        assert (game.shared["balance"] < 0) == both_checked_first == bool(game.broken()), schedule
    assert replay(WITHDRAWALS, ["bob", "alice"]).broken() == "the run ended with balance = -60: `balance >= 0` is false"


def test_a_short_schedule_is_finished_without_preempting() -> None:
    game = replay(WITHDRAWALS, ["bob"])
    assert [t for t, _ in game.events] == ["bob", "bob", "alice", "alice"]
    assert game.events[-1] == ("alice", "nothing written")


@pytest.mark.parametrize(("schedule", "message"), [
    ("alice, bob", "a schedule is a list of thread names"),
    (["alice", 3], "a schedule is a list of thread names"),
    (["carol"], "step 1 of your schedule: there is no thread 'carol': the threads are 'alice', 'bob'"),
    (["alice", "alice", "alice"], "step 3 of your schedule: alice has finished"),
])
def test_a_bad_schedule_says_what_to_change(schedule: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replay(WITHDRAWALS, schedule)


def test_the_example_of_a_schedule_does_not_give_the_answer_away() -> None:
    with pytest.raises(ValueError, match=r"e\.g\. \['alice', 'alice', 'bob'\]"):
        replay(WITHDRAWALS, None)
    assert replay(WITHDRAWALS, ["alice", "alice", "bob"]).broken() is None


def test_a_lock_can_only_be_acquired_or_released() -> None:
    with pytest.raises(ValueError, match="a lock here can only acquire"):
        Program("t", "g", {"T1": ("lock.locked()",)}, {}, "True", locks=("lock",))


def test_each_step_says_what_it_wrote_and_the_board_shows_it() -> None:
    game = Game(LOST_UPDATE)
    assert game.step("T1") == "tmp = 0"
    assert game.step("T1") == "tmp = 1"
    board = game.board_html()
    assert "▶ counter = tmp" in board and "own variables: tmp = 1" in board and "counter = 0" in board
    assert game.step("T1") == "counter = 1"
    assert game.next_line("T1") is None and "T1</b> (finished)" in game.board_html()
    with pytest.raises(ValueError, match="T1 has finished"):
        game.step("T1")


def test_the_timeline_has_one_tick_per_step_and_names_the_deadlock() -> None:
    game = replay(DEADLOCK, ["T1", "T2"])
    ax = game.plot()
    assert ax.get_title().startswith("deadlock: T1 waits for lock_b")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["T1", "T2"]
    assert len(game.events) == 2


def test_the_widget_reports_the_solved_puzzle_after_the_clicks() -> None:
    board = play(LOST_UPDATE)
    status, _, buttons, _ = board.children  # the figure is drawn only in a kernel: tests/test_browser_ch04.py
    step = {b.description: b for b in buttons.children}
    assert status.value.startswith("Step 0")
    for thread in ("T1", "T2", "T2", "T2", "T1", "T1"):
        step[f"step {thread}"].click()
    assert "Solved" in status.value and "counter = 1" in status.value
    assert step["step T1"].disabled and step["step T2"].disabled
    step["step T1"].click()  # a click the page sent before it greyed the button out
    assert status.value == "T1 has finished: it has no line left to run: pick another thread."
    step["reset"].click()
    assert status.value.startswith("Step 0") and not step["step T1"].disabled
