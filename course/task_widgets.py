"""Chapter 6's control: a Semaphore's permits → the asyncio timeline of the tasks that share it, measured again.

The notebook's own download coroutine does the work, so the slider re-runs exactly the code the chapter shows,
on a real event loop with real sleeps. A widget callback is plain code called from the kernel's running loop:
it cannot ``await`` and ``asyncio.run`` refuses to start a second loop in that thread, so each measurement runs
on a fresh loop in a helper thread, bounded by a timeout, and the thread is joined before the figure is drawn.
(Its own module, beside ``course.widgets``, because it is about asyncio tasks rather than threads.)
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import ipywidgets

from course.coroutines import TaskTimeline

__all__ = ["permits_explorer", "timeline_with_permits"]

Download = Callable[[TaskTimeline, asyncio.Semaphore, float], Awaitable[Any]]


def timeline_with_permits(download: Download, permits: int, tasks: int = 6, seconds: float = 0.1,
                          timeout: float = 10.0) -> TaskTimeline:
    """Run ``tasks`` tasks of ``download(tl, semaphore, seconds)`` sharing ``asyncio.Semaphore(permits)`` on a
    fresh event loop in a helper thread; return their timeline. TimeoutError after ``timeout`` seconds."""
    tl = TaskTimeline()
    outcome: list[BaseException] = []

    async def share() -> None:
        semaphore = asyncio.Semaphore(permits)
        async with asyncio.timeout(timeout), asyncio.TaskGroup() as group:
            for i in range(tasks):
                group.create_task(download(tl, semaphore, seconds), name=f"download-{i}")

    def run() -> None:
        try:
            asyncio.run(share())
        except BaseException as error:  # handed to the caller's thread below
            outcome.append(error)

    helper = threading.Thread(target=run, name="permits-explorer")
    helper.start()
    helper.join()  # asyncio.timeout above bounds the wait
    if outcome:
        raise outcome[0]
    return tl


def permits_explorer(download: Download, tasks: int = 6, seconds: float = 0.1) -> ipywidgets.interactive:
    """A slider for the Semaphore's permits; each move runs ``tasks`` downloads of ``seconds`` again under
    that many permits and redraws their timeline, with the most tasks seen downloading at once."""
    import matplotlib.pyplot as plt

    def draw(permits: int) -> None:
        tl = timeline_with_permits(download, permits, tasks, seconds)
        took = max((span.end for span in tl.spans), default=0.0)
        tl.plot(title=f"asyncio.Semaphore({permits}): {tasks} tasks, at most {tl.max_concurrent()} "
                      f"downloading at once, all done after {took:.2f} s")
        plt.show()

    return ipywidgets.interactive(
        draw, permits=ipywidgets.IntSlider(description="permits", value=2, min=1, max=tasks, continuous_update=False),
    )
