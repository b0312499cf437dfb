"""Tests of course.timeline: recording from several threads, and drawing headless with Agg.

Timing assertions use sleeps of 0.1-0.2 s and a tolerance band of 50 ms or more, wide enough for a
loaded 2-core CI machine, narrow enough that concurrent and serial runs cannot be confused.
"""
import pickle
import threading
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from course.timeline import Mark, Span, Timeline  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def sleep_in_threads(tl: Timeline, names: list[str], seconds: float) -> None:
    """Start one thread per name that sleeps inside a span, then join them all."""

    def work() -> None:
        with tl.span("sleep"):
            time.sleep(seconds)

    threads = [threading.Thread(target=work, name=name) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_span_records_thread_label_and_relative_times():
    tl = Timeline()
    time.sleep(0.05)
    with tl.span("work"):
        time.sleep(0.1)
    (span,) = tl.spans
    assert span.thread == "MainThread"
    assert span.label == "work"
    assert 0.05 <= span.start < 0.15, "start is measured from the timeline's creation"
    assert 0.1 <= span.duration < 0.2


def test_span_is_recorded_when_the_block_raises():
    tl = Timeline()
    with pytest.raises(KeyError):
        with tl.span("fails"):
            raise KeyError("boom")
    assert [s.label for s in tl.spans] == ["fails"]


def test_mark_records_current_thread_and_time():
    tl = Timeline()
    t = threading.Thread(target=lambda: (time.sleep(0.05), tl.mark("ping")), name="pinger")
    t.start()
    t.join()
    (mark,) = tl.marks
    assert (mark.thread, mark.label) == ("pinger", "ping")
    assert 0.05 <= mark.at < 0.15


def test_spans_of_threads_that_slept_concurrently_overlap():
    tl = Timeline()
    sleep_in_threads(tl, ["a", "b"], 0.2)
    a, b = sorted(tl.spans, key=lambda s: s.thread)
    assert (a.thread, b.thread) == ("a", "b")
    overlap = min(a.end, b.end) - max(a.start, b.start)
    assert overlap > 0.15, f"two 0.2 s sleeps started together overlapped only {overlap:.3f} s"
    assert tl.max_concurrent("sleep") == 2


def test_spans_of_serial_work_do_not_overlap():
    tl = Timeline()
    for _ in range(3):
        with tl.span("step"):
            time.sleep(0.02)
    assert tl.max_concurrent() == 1
    starts = [s.start for s in tl.spans]
    assert starts == sorted(starts)


def test_max_concurrent_counts_only_the_given_label():
    tl = Timeline()
    with tl.span("outer"):
        with tl.span("inner"):
            pass
    assert tl.max_concurrent() == 2
    assert tl.max_concurrent("inner") == 1
    assert tl.max_concurrent("absent") == 0


def test_recording_from_many_threads_loses_nothing():
    tl = Timeline()

    def work() -> None:
        for _ in range(200):
            with tl.span("s"):
                pass
            tl.mark("m")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(tl.spans) == len(tl.marks) == 8 * 200


def test_spans_and_marks_are_read_only_snapshots():
    tl = Timeline()
    with tl.span("x"):
        pass
    tl.mark("y")
    with pytest.raises(AttributeError):
        tl.spans.append(Span("t", "z", 0, 1))
    with pytest.raises(AttributeError):
        tl.marks.append(Mark("t", "z", 0))
    with pytest.raises(AttributeError):
        tl.spans[0].label = "changed"
    assert len(tl.spans) == len(tl.marks) == 1


def test_threads_in_order_of_first_appearance_main_thread_first():
    tl = Timeline()

    def later() -> None:
        time.sleep(0.05)
        tl.mark("late")

    t = threading.Thread(target=later, name="zeta")
    t.start()
    sleep_in_threads(tl, ["beta"], 0.01)
    t.join()
    tl.mark("main arrives last")
    assert tl.threads == ["MainThread", "beta", "zeta"]


def test_plot_returns_axes_with_one_ytick_per_thread():
    tl = Timeline()
    tl.mark("start")
    sleep_in_threads(tl, ["w1", "w2", "w3"], 0.05)
    ax = tl.plot(title="three workers")
    assert matplotlib.get_backend().lower() == "agg"
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["MainThread", "w1", "w2", "w3"]
    assert ax.get_xlabel() == "seconds since start"
    assert ax.get_title() == "three workers"
    assert len(ax.patches) == 3, "one bar per span"
    ax.figure.canvas.draw()  # renders without error


def test_plot_labels_wide_bars_only_and_draws_into_given_axes():
    tl = Timeline()
    with tl.span("a long label on a long bar"):
        time.sleep(0.2)
    with tl.span("this label cannot fit in a bar this short"):
        pass
    fig, (top, bottom) = plt.subplots(2)
    assert tl.plot(ax=bottom) is bottom
    texts = [t.get_text() for t in bottom.texts]
    assert texts == ["a long label on a long bar"]
    assert not top.patches, "nothing is drawn outside the given axes"


def test_plot_of_empty_timeline_does_not_fail():
    ax = Timeline().plot()
    assert list(ax.get_yticks()) == []


def test_timeline_survives_pickling():
    tl = Timeline()
    with tl.span("x"):
        pass
    copy = pickle.loads(pickle.dumps(tl))
    assert copy.spans == tl.spans
    with copy.span("y"):  # the copy has a working lock of its own
        pass
    assert [s.label for s in copy.spans] == ["x", "y"]


def test_plot_draws_every_mark_but_skips_labels_that_would_overlap():
    tl = Timeline()
    tl.mark("first")
    tl.mark("second, at the same instant")
    time.sleep(0.2)
    tl.mark("third, well apart")
    ax = tl.plot()
    assert len(ax.collections) == 3, "one tick per mark"
    assert [t.get_text() for t in ax.texts] == ["first", "third, well apart"]
