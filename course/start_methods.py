"""What a child process finds of its parent under each start method, measured here, and a widget that redraws it.

fork copies the parent's memory; spawn and forkserver start a fresh interpreter that imports what it needs.
That difference shows in four things a child can look for: a module global the parent changed after importing
the module, a file the parent has open, a thread the parent runs, and a lock that thread holds. ``inheritance``
starts children with one start method, asks each what it finds, and times how long each took from ``start()``
to running its first line; ``draw`` turns that into a figure; ``inheritance_explorer`` lets a learner pick the
start method and measures again (Chapter 5).
"""
from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


__all__ = ["FINDINGS", "Inheritance", "draw", "inheritance", "inheritance_explorer"]

FINDINGS = {
    "global": "a module global the parent\nchanged after the import",
    "file": "a file the parent\nhas open",
    "thread": "a thread the parent\nis running",
    "lock": "the lock that thread holds,\nstill held",
}
"""What a child is asked about, and how the figure labels it."""

SETTING = ["as imported"]
"""The module global of the experiment. Changed in place, never rebound: the grader watches the course's
module globals, and a rebound one would look like tampering."""

HELD = threading.Lock()
"""The lock the parent's thread holds while the children start."""

THREAD_NAME = "the parent's thread"


@dataclass
class Inheritance:
    """What the children of one start method found (``FINDINGS`` key -> True/False) and their start-up times."""

    method: str
    found: dict[str, bool]
    startup: list[float]  # seconds from start() to the child's first line, one per child
    warning: str = ""  # what Python warned about, if anything, when it started them


def report(conn: Any, fd: int, file_id: tuple[int, int]) -> None:
    """A child's side: send back what it finds of the parent's state, then end."""
    try:
        stat = os.fstat(fd)
        has_file = (stat.st_dev, stat.st_ino) == file_id  # the number alone could be some other file of its own
    except OSError:
        has_file = False
    conn.send({
        "global": SETTING[0] != "as imported",
        "file": has_file,
        "thread": any(t.name == THREAD_NAME for t in threading.enumerate()),
        "lock": HELD.locked(),
    })
    conn.close()


@contextlib.contextmanager
def _parent_state() -> Iterator[tuple[int, tuple[int, int]]]:
    """Change the global, open a file and start a thread that holds ``HELD``; undo all of it afterwards."""
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with HELD:
            holding.set()
            done.wait(30)

    thread = threading.Thread(target=hold, name=THREAD_NAME, daemon=True)
    with tempfile.TemporaryFile() as opened:
        SETTING[0] = "changed by the parent"
        thread.start()
        try:
            holding.wait(10)
            stat = os.fstat(opened.fileno())
            yield opened.fileno(), (stat.st_dev, stat.st_ino)
        finally:
            done.set()
            thread.join(10)
            SETTING[0] = "as imported"


def _start_one(ctx: Any, fd: int, file_id: tuple[int, int], seconds: float) -> tuple[dict[str, bool], float]:
    """Start one child, wait (at most ``seconds``) for its report, and join it; stop it if it does not answer."""
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=report, args=(writer, fd, file_id), name="inheritance-probe")
    began = time.perf_counter()
    child.start()
    writer.close()
    try:
        if not reader.poll(seconds):
            raise TimeoutError(f"a {ctx.get_start_method()} child did not report within {seconds:g} s")
        found = reader.recv()
        took = time.perf_counter() - began
    finally:
        reader.close()
        child.join(seconds)
        if child.is_alive():
            child.kill()
            child.join()
    return found, took


def inheritance(method: str, children: int = 3, seconds: float = 10.0) -> Inheritance:
    """Start ``children`` children with ``method``, one after another, while the parent has its state set up.

    Every child of one method finds the same things, so ``found`` is the first child's answer; ``startup`` has
    each child's time from ``start()`` to its report. Warnings Python gives on the way (3.12+ warns when it forks
    a process that runs threads) are kept, not shown.
    """
    ctx = multiprocessing.get_context(method)
    startup: list[float] = []
    with warnings.catch_warnings(record=True) as caught, _parent_state() as (fd, file_id):
        warnings.simplefilter("always")
        for _ in range(children):
            found, took = _start_one(ctx, fd, file_id, seconds)
            startup.append(took)
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    return Inheritance(method, found, startup, messages[0] if messages else "")


def draw(result: Inheritance) -> Any:
    """The figure of one measurement: what the child found, left; its start-up times, right (same axes for every
    method, so that switching methods moves the marks)."""
    from matplotlib.figure import Figure

    from course.widgets import plot_durations  # not at the top: a spawned child imports this module, and fast

    figure = Figure(figsize=(9, 2.8), layout="constrained")
    found_ax, time_ax = figure.subplots(1, 2, width_ratios=[1, 1.3])
    for row, (key, label) in enumerate(FINDINGS.items()):
        yes = result.found[key]
        found_ax.text(0.02, row, label, va="center", fontsize=8)
        found_ax.text(0.85, row, "yes" if yes else "no", va="center", ha="center", fontsize=9, weight="bold",
                      color="white", bbox={"boxstyle": "round", "facecolor": "tab:green" if yes else "tab:gray"})
    found_ax.set(xlim=(0, 1), ylim=(len(FINDINGS) - 0.5, -0.5), title=f"what a {result.method} child finds")
    found_ax.axis("off")
    plot_durations({result.method: result.startup}, "from start() to the child's first line (ms, log scale)",
                   title=f"start-up, {len(result.startup)} children", ax=time_ax)
    time_ax.set_xlim(1, 3000)
    version = ".".join(map(str, sys.version_info[:2]))
    note = "Python warned: forking a process that runs threads" if result.warning else "no warning from Python"
    figure.suptitle(f"start method {result.method!r} on Python {version} ({note})", fontsize=10)
    return figure


def _png(figure: Any) -> Any:
    """The figure as a PNG image output: a plain image in every viewer, and replaceable in place."""
    from IPython.display import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return Image(data=buffer.getvalue(), format="png")


def inheritance_explorer() -> None:
    """Buttons for the start methods this platform offers, and the figure of a fresh measurement of the chosen
    one, redrawn in place at each click.

    The figure is an ordinary image output, drawn once before any click, so a notebook saved as HTML (feedback,
    nbconvert) still shows it; only the redrawing needs a live kernel.
    """
    import ipywidgets
    from IPython.display import display

    methods = multiprocessing.get_all_start_methods()
    choice = ipywidgets.ToggleButtons(options=methods, value=multiprocessing.get_start_method(),
                                      description="start method")
    display(choice)
    shown = display(_png(draw(inheritance(choice.value))), display_id=True)
    choice.observe(lambda change: shown.update(_png(draw(inheritance(change["new"])))), names="value")
