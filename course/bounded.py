"""Run student code with a time bound, and say where every thread is stuck when the bound runs out.

Modelled on CPython's ``test.support.threading_helper``: a hang must fail one check within seconds,
with a message that shows the student *where* their threads wait, never hang the grader.
Python cannot kill a thread, so a thread that is still stuck after its bound is reported, left as a
daemon, and dies with the kernel at the end of the notebook.

A bound counts time on a ``course.fair_clock.FairClock``: time in which the machine's load kept the code from
running does not count, so a grader busy with other notebooks cannot make a correct answer overrun it.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from course import interleave
from course.fair_clock import FairClock

__all__ = ["TookTooLong", "LeftoverThreads", "call_within", "call_own_work", "no_leftover_threads", "thread_stacks"]


POLL_SECONDS = 0.05  # how often a bounded call looks at its clock


class TookTooLong(AssertionError):
    """The checked code did not finish in time (an AssertionError, so it fails the check it is in)."""


class LeftoverThreads(AssertionError):
    """Threads started by the checked code were still running after it returned."""


def thread_stacks(threads: list[threading.Thread], frames_per_thread: int = 6) -> str:
    """Format the innermost frames of each thread, so a student sees the line it waits on."""
    current = sys._current_frames()
    blocks = []
    for thread in threads:
        frame = current.get(thread.ident)
        if frame is None:
            continue
        stack = traceback.format_stack(frame)[-frames_per_thread:]
        kind = "daemon thread" if thread.daemon else "thread"
        blocks.append(f"--- {kind} {thread.name!r} is at:\n" + "".join(stack).rstrip())
    return "\n".join(blocks) if blocks else "(no stack available)"


def _new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


def call_within(seconds: float, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn(*args, **kwargs)`` and return its result, or fail if it takes longer than ``seconds`` (on a
    FairClock: time the machine's load held it up does not count).

    The call runs in a daemon helper thread so that the caller regains control when time is up.
    Its exception, if any, is re-raised here unchanged.

    Raises:
        TookTooLong: with the stacks of the helper thread and of every thread started meanwhile.
    """
    before = set(threading.enumerate())
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 -- handed back to the caller below
            outcome["error"] = exc

    name = getattr(fn, "__qualname__", repr(fn))
    helper = threading.Thread(target=run, name=f"checked call of {name}", daemon=True)
    helper.start()
    _join_within([helper], seconds)
    if helper.is_alive():
        raise TookTooLong(
            f"{name}(...) did not finish within {seconds:g} s: it is probably waiting for something that "
            f"never happens (a deadlock, a missing release/notify/sentinel, or a join on a thread that "
            f"never ends).\nWhere each thread is stuck:\n{thread_stacks(_new_threads(before))}"
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def call_own_work(seconds: float, forbidden: list[Callable[..., Any]], fn: Callable[..., Any], *args: Any) -> Any:
    """``call_within``, and fail if the call ran any of the ``forbidden`` functions.

    The course's reference implementations are importable (the notebooks draw their figures with
    them), so an exercise that asks a student to write one must check the student did not just call it.
    """
    codes = {f.__code__: f.__qualname__ for f in forbidden}
    used: list[str] = []

    def spy(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in codes:
            used.append(codes[frame.f_code])

    def watched() -> Any:
        sys.setprofile(spy)
        try:
            return fn(*args)
        finally:
            sys.setprofile(None)

    result = call_within(seconds, watched)
    if used:
        raise AssertionError(
            f"{getattr(fn, '__name__', 'Your function')} calls the course's own {used[0]}(): that is the "
            f"reference answer the check compares with. Write the computation yourself."
        )
    return result


def wait_for_threads(threads: list[threading.Thread], seconds: float) -> list[threading.Thread]:
    """Join ``threads`` for at most ``seconds`` in total (on a FairClock); return those still alive."""
    _join_within(threads, seconds)
    return [t for t in threads if t.is_alive()]


def _join_within(threads: list[threading.Thread], seconds: float) -> None:
    """Join ``threads`` for at most ``seconds`` in all: on a FairClock, or under a controlled scheduler (whose
    clock is virtual, ``course.interleave``) with one timed join each, as the scheduler counts time."""
    if interleave.controls_this_thread():
        deadline = time.monotonic() + seconds  # virtual time
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return
    clock = FairClock()
    for thread in threads:
        while thread.is_alive() and (left := seconds - clock.elapsed()) > 0:
            thread.join(min(left, POLL_SECONDS))


@contextlib.contextmanager
def no_leftover_threads(grace: float = 1.0) -> Iterator[None]:
    """Fail if threads started inside the block are still alive ``grace`` seconds after it ends.

    Only threads that did not exist before the block count: a kernel has threads of its own, and an
    earlier failed check may have left some behind.
    """
    before = set(threading.enumerate())
    yield
    alive = wait_for_threads(_new_threads(before), grace)
    if alive:
        names = ", ".join(repr(t.name) for t in alive)
        raise LeftoverThreads(
            f"{len(alive)} thread(s) started by your code were still running {grace:g} s after it "
            f"returned ({names}). Make sure every thread you start ends: join it, or send it a sentinel "
            f"or an Event so that it leaves its loop.\nWhere they are:\n{thread_stacks(alive)}"
        )
