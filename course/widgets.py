"""Interactive controls: move a slider, see a simulation re-drawn or a measurement re-made on this machine.

A thin layer: the widget only picks arguments; the simulator (``course.scheduling``), the measurements
(``course.workloads``, ``course.gil``) and the plots do all the work. ``plot_durations`` is the one plot the
measuring widgets share with the cells that draw the same measurement once.
"""
from __future__ import annotations

import multiprocessing
from typing import TYPE_CHECKING

import ipywidgets
from IPython.display import display

from course import gil, scheduling, workloads

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def schedule_explorer() -> ipywidgets.interactive:
    """Sliders for the number of jobs, their I/O share and the quantum, redrawing batch, multiprogramming
    and time-sharing of the same job mix (``scheduling.job_mix``) each time one moves."""

    def draw(jobs: int, io_share: float, quantum: int) -> None:
        mix = scheduling.job_mix(jobs, io_share)
        schedules = [scheduling.batch(mix), scheduling.multiprogramming(mix), scheduling.time_sharing(mix, quantum)]
        display(scheduling.plot_comparison(schedules))

    def slider(kind, description, **limits):
        # Redraw on release only: a drag would otherwise queue one simulation per position.
        return kind(description=description, continuous_update=False, **limits)

    return ipywidgets.interactive(
        draw,
        jobs=slider(ipywidgets.IntSlider, "jobs", value=3, min=1, max=6),
        io_share=slider(ipywidgets.FloatSlider, "I/O share", value=0.5, min=0.0, max=0.8, step=0.1),
        quantum=slider(ipywidgets.IntSlider, "quantum", value=2, min=1, max=8),
    )


def plot_durations(rows: dict[str, list[float]], xlabel: str, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Draw each labelled list of durations (in seconds) as a row of ticks, in ms on a log scale, and mark
    and write its median: durations that differ a thousandfold stay readable side by side."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.1 + 0.6 * len(rows)), layout="constrained")
    for row, values in enumerate(rows.values()):
        millis = sorted(1000 * v for v in values)
        ax.plot(millis, [row] * len(millis), "|", markersize=16, alpha=0.6)
        if millis:
            median = millis[len(millis) // 2]
            ax.plot([median], [row], "kD", markersize=5)
            ax.annotate(f"median {median:.3g} ms", (median, row), xytext=(0, 10), textcoords="offset points",
                        fontsize=8, ha="center")
    ax.set_xscale("log")
    # Plain numbers at 1, 2, 5, 10, 20, …, however narrow the range, rather than powers of ten.
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:g}")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(range(len(rows)), list(rows))
    ax.set_ylim(len(rows) - 0.5, -0.7)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", which="both", alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def creation_cost_explorer() -> ipywidgets.interactive:
    """A slider for how many workers to create and a choice of kinds (a thread, or a process of each start
    method this machine has); each change measures them all again here and redraws (Chapter 2)."""
    import matplotlib.pyplot as plt

    kinds = ["thread", *multiprocessing.get_all_start_methods()]

    def draw(count: int, chosen: tuple[str, ...]) -> None:
        costs = {kind: workloads.creation_costs(kind, count) for kind in chosen}
        plot_durations(costs, "time to create, start and join one worker (ms, log scale)",
                       title=f"{count} of each, one after another, on this machine")
        plt.show()

    return ipywidgets.interactive(
        draw,
        count=ipywidgets.IntSlider(description="how many", value=5, min=1, max=20, continuous_update=False),
        chosen=ipywidgets.SelectMultiple(options=kinds, value=("thread", multiprocessing.get_start_method()),
                                         description="kinds", rows=len(kinds)),
    )


def switch_interval_explorer() -> ipywidgets.interactive:
    """A slider for ``sys.setswitchinterval``; each move measures, under that interval, how long a napping
    thread waits between ticks beside each kind of work in ``gil.BUSY``, and redraws (Chapter 3)."""
    import matplotlib.pyplot as plt

    def draw(interval_ms: float) -> None:
        with gil.switch_interval(interval_ms / 1000):
            gaps = {label: gil.tick_gaps(fn, *args) for label, (fn, args) in gil.BUSY.items()}
        plot_durations(gaps, "time between two ticks of a thread that naps 1 ms (ms, log scale)",
                       title=f"Switch interval {interval_ms:g} ms: which rows move?")
        plt.show()

    return ipywidgets.interactive(
        draw,
        interval_ms=ipywidgets.SelectionSlider(description="interval (ms)", options=[0.5, 1, 2, 5, 10, 20, 50],
                                               value=5, continuous_update=False),
    )
