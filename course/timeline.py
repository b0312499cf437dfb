"""Record which thread ran when, and draw it as a Gantt chart.

Printed messages show *what* threads did, but not *when* nor *at the same time as what*, and that is
the whole point of concurrency. A :class:`Timeline` lets threads record labelled spans and instant
marks cheaply and safely; :meth:`Timeline.plot` then draws one row per thread, so a reader sees at a
glance whether work overlapped (threads started together), ran one after another (a join inside the
start loop) or waited (a semaphore, a lock, a barrier).

A timeline pickles, so one recorded in another process can be drawn in the notebook.
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # matplotlib is imported only when drawing: recording must stay cheap to import.
    from matplotlib.axes import Axes

__all__ = ["Mark", "Span", "Timeline"]


@dataclass(frozen=True)
class Span:
    """A labelled stretch of time spent in one thread, in seconds since the timeline started."""

    thread: str
    label: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        """How long the span lasted, in seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class Mark:
    """An instant event in one thread, in seconds since the timeline started."""

    thread: str
    label: str
    at: float


class Timeline:
    """A thread-safe recorder of spans and marks, timed with ``time.perf_counter``.

    Times are seconds since the timeline was created. Threads are identified by their ``name``,
    so give the threads you want to tell apart distinct names.
    """

    def __init__(self) -> None:
        self._t0 = time.perf_counter()
        self._lock = threading.Lock()
        self._spans: list[Span] = []
        self._marks: list[Mark] = []

    def now(self) -> float:
        """Seconds elapsed since the timeline was created."""
        return time.perf_counter() - self._t0

    @contextlib.contextmanager
    def span(self, label: str) -> Iterator[None]:
        """Record the time the ``with`` block takes, in the current thread, under ``label``.

        The span is recorded even if the block raises.
        """
        thread = threading.current_thread().name
        start = self.now()
        try:
            yield
        finally:
            finished = Span(thread, label, start, self.now())
            with self._lock:
                self._spans.append(finished)

    def mark(self, label: str) -> None:
        """Record an instant event called ``label`` in the current thread."""
        event = Mark(threading.current_thread().name, label, self.now())
        with self._lock:
            self._marks.append(event)

    def add(self, event: Span | Mark) -> None:
        """Record a span or mark timed elsewhere (a schedule of course.interleave, whose time is its step)."""
        with self._lock:
            (self._spans if isinstance(event, Span) else self._marks).append(event)

    @property
    def spans(self) -> tuple[Span, ...]:
        """The finished spans so far, in the order they finished."""
        with self._lock:
            return tuple(self._spans)

    @property
    def marks(self) -> tuple[Mark, ...]:
        """The marks so far, in the order they were made."""
        with self._lock:
            return tuple(self._marks)

    @property
    def threads(self) -> list[str]:
        """Thread names in order of first appearance (earliest span start or mark), MainThread first."""
        first_seen: dict[str, float] = {}
        for name, at in [(s.thread, s.start) for s in self.spans] + [(m.thread, m.at) for m in self.marks]:
            first_seen[name] = min(at, first_seen.get(name, at))
        return sorted(first_seen, key=lambda name: (name != "MainThread", first_seen[name]))

    def max_concurrent(self, label: str | None = None) -> int:
        """The largest number of spans (with ``label``, if given) that were open at the same instant."""
        edges = sorted(
            edge
            for s in self.spans
            if label is None or s.label == label
            # At equal times an end (-1) sorts before a start (+1): touching spans do not overlap.
            for edge in ((s.start, 1), (s.end, -1))
        )
        open_now = most = 0
        for _, step in edges:
            open_now += step
            most = max(most, open_now)
        return most

    def plot(self, ax: Axes | None = None, title: str | None = None) -> Axes:
        """Draw a Gantt chart: one row per thread, a bar per span, a tick per mark; return the Axes.

        Bars are coloured by label and carry their label when it fits inside them; a mark's label is
        left out when it would overlap the previous one in its row. With ``ax=None``
        a new figure sized to the number of threads is made.
        """
        import matplotlib.pyplot as plt

        threads = self.threads
        spans, marks = self.spans, self.marks
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 1.2 + 0.5 * max(1, len(threads))), layout="constrained")
        row = {name: i for i, name in enumerate(threads)}
        colors: dict[str, Any] = {}
        for s in spans:
            colors.setdefault(s.label, plt.cm.tab10(len(colors) % 10))

        end = max([s.end for s in spans] + [m.at for m in marks], default=1.0)
        ax.set_xlim(-0.01 * end, 1.03 * end)  # a mark at 0 stays clear of the axis line
        # First thread at the top; room above it for the labels of its marks.
        ax.set_ylim(max(1, len(threads)) - 0.5, -0.8 if marks else -0.5)
        ax.set_yticks(range(len(threads)), threads)
        ax.set_xlabel("seconds since start")
        if title:
            ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)

        for s in spans:
            ax.barh(row[s.thread], s.duration, left=s.start, height=0.6, color=colors[s.label],
                    edgecolor="black", linewidth=0.5)
            _label_if_it_fits(ax, s, row[s.thread])
        label_ends: dict[str, float] = {}  # per thread, where the last mark label ends (pixels)
        for m in sorted(marks, key=lambda m: m.at):
            y = row[m.thread]
            ax.vlines(m.at, y - 0.4, y + 0.4, color="black", linewidth=1.5)
            text = ax.annotate(m.label, (m.at, y - 0.4), xytext=(2, 1), textcoords="offset points",
                               fontsize=7, va="bottom")
            box = text.get_window_extent()
            if box.x1 > ax.get_window_extent().x1:  # no room on the right: put the label on the left
                text.set(ha="right", position=(-2, 1))
                box = text.get_window_extent()
            if box.x0 < label_ends.get(m.thread, float("-inf")):
                text.remove()  # marks close together keep the tick, not an unreadable pile of labels
            else:
                label_ends[m.thread] = box.x1
        return ax

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]  # locks do not pickle; the copy gets a fresh one
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


def _label_if_it_fits(ax: Axes, s: Span, y: float) -> None:
    """Write the span's label centred on its bar, unless the text is wider than the bar.

    The fit is judged before the figure's final layout, which may still narrow the axes a little:
    hence the 15 % margin.
    """
    text = ax.text((s.start + s.end) / 2, y, s.label, ha="center", va="center", fontsize=8)
    left, right = ax.transData.transform([(s.start, y), (s.end, y)])[:, 0]
    if text.get_window_extent().width * 1.15 + 4 > right - left:
        text.remove()
