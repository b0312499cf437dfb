"""Every source notebook runs top to bottom with its solutions, quickly, and is committed clean."""
from __future__ import annotations

import threading
from pathlib import Path

import nbformat

from course.fair_clock import FairClock
from course.grading import autograde as ag
from course.grading.kernel_client import NotebookRunner

# A chapter must execute "well under a minute" on a 2-core machine; this guard catches a cell that made it slow.
# It counts on a FairClock of this process and the kernel it starts, so a loaded CI machine does not trip it.
# The benchmark command reports the real figures.
GUARD_SECONDS = 60


def test_source_notebook_is_committed_without_outputs(chapter: str) -> None:
    nb = nbformat.read(ag.source_notebook(chapter), as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} of {chapter} have outputs: clear them before committing"


SAMPLE_SECONDS = 0.2  # how often the kernel's waits are read while it runs


def _fair_seconds(nb: nbformat.NotebookNode, folder: Path) -> tuple[float, dict[int, float]]:
    """Execute the notebook; return its seconds and each code cell's, on a FairClock read all along, not only at
    the end. A clock read once, after the kernel is gone, would see none of the kernel's waits and count plain
    wall time."""
    clock, done, started, cells = FairClock(), threading.Event(), {}, {}

    def began(cell_index: int, **_: object) -> None:
        started[cell_index] = clock.elapsed()

    def ended(cell_index: int, **_: object) -> None:
        cells[cell_index] = clock.elapsed() - started[cell_index]

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            clock.elapsed()

    client = NotebookRunner(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}},
                            on_cell_start=began, on_cell_executed=ended)
    sampler = threading.Thread(target=sample, name="fair-clock-sampler")
    sampler.start()
    try:
        client.execute()
    finally:
        done.set()
        sampler.join()
    return clock.elapsed(), cells


def test_source_notebook_runs_with_solutions(chapter: str) -> None:
    path = ag.source_notebook(chapter)
    nb = nbformat.read(path, as_version=4)
    elapsed, cells = _fair_seconds(nb, path.parent)  # the kernel is this process's child: its time held up does not count
    errors = [
        (i, o.get("ename"), o.get("evalue"))
        for i, c in enumerate(nb.cells) if c.cell_type == "code"
        for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, f"{chapter}: cells raised {errors}"
    slowest = ", ".join(f"cell {i}: {s:.1f} s" for i, s in sorted(cells.items(), key=lambda c: -c[1])[:5])
    assert elapsed < GUARD_SECONDS, (f"{chapter} took {elapsed:.1f} s to execute (not counting time the machine's "
                                     f"load held it up); the slowest cells: {slowest}")
