"""Interactive controls over ``course.scheduling``: move a slider, see the three modes re-drawn.

A thin layer: the widget only picks arguments; the simulator and its plots do all the work.
"""
from __future__ import annotations

import ipywidgets
from IPython.display import display

from course import scheduling


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
