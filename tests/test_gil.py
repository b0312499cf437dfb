"""Tests of course.gil: the measurements Chapter 3 draws, on a loaded 2-core machine.

Timing assertions only use bounds the GIL guarantees whatever the load: a waiting thread cannot run during
a C call that keeps the GIL, nor before the switch interval has passed beside a pure-Python loop; sleeps
overlap in threads. Everything started is checked to be gone afterwards.
"""
import hashlib
import multiprocessing
import statistics
import sys
import threading
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import pytest  # noqa: E402

from course import gil, workloads  # noqa: E402


@pytest.fixture(autouse=True)
def nothing_left_running():
    threads, children = set(threading.enumerate()), set(multiprocessing.active_children())
    yield
    plt.close("all")
    assert set(threading.enumerate()) <= threads, "a thread outlived the test"
    assert set(multiprocessing.active_children()) <= children, "a child process outlived the test"


def test_usable_cores_is_at_least_one():
    assert 1 <= gil.usable_cores() <= (multiprocessing.cpu_count() or 1)


def test_gil_status_on_an_interpreter_without_free_threading(monkeypatch):
    monkeypatch.delattr(sys, "_is_gil_enabled", raising=False)
    status = gil.gil_status()
    assert "always runs with the GIL" in status and ".".join(map(str, sys.version_info[:2])) in status


def test_gil_status_on_a_free_threaded_build(monkeypatch):
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: False, raising=False)
    monkeypatch.setattr(gil.sysconfig, "get_config_var", lambda name: 1 if name == "Py_GIL_DISABLED" else None)
    assert "free-threaded build" in gil.gil_status() and "GIL is disabled" in gil.gil_status()
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: True, raising=False)
    assert "turned it back on" in gil.gil_status()


def test_switch_interval_is_restored_even_after_an_error():
    before = sys.getswitchinterval()
    with pytest.raises(KeyError):
        with gil.switch_interval(0.02):
            assert sys.getswitchinterval() == pytest.approx(0.02)
            raise KeyError("boom")
    assert sys.getswitchinterval() == before


def test_a_c_call_that_keeps_the_gil_shows_as_one_long_gap():
    began = time.perf_counter()
    gaps = gil.tick_gaps(workloads.sum_of_range, 10**7)
    took = time.perf_counter() - began
    assert max(gaps) >= 0.8 * (took - 0.02), "the ticker cannot tick while sum() holds the GIL"


class _LateThread(threading.Thread):
    """A thread that a loaded machine keeps from running for a while after it is started."""

    def run(self):
        time.sleep(0.05)
        super().run()


@pytest.mark.parametrize("busy, args", [(time.sleep, (0,)), (workloads.sum_of_range, (10**6,))], ids=["instant", "C call"])
def test_a_ticker_that_starts_late_still_measures_a_gap_across_the_call(monkeypatch, busy, args):
    """The gaps come from ticks before and after the call, however late the ticker starts (a loaded CI machine once
    left Chapter 3 with no gap at all)."""
    monkeypatch.setattr(threading, "Thread", _LateThread)
    began = time.perf_counter()
    gaps = gil.tick_gaps(busy, *args)
    assert gaps, "no gap spans the call"
    assert max(gaps) < time.perf_counter() - began


def test_beside_a_python_loop_the_ticker_waits_a_switch_interval():
    """The first tick after the loop starts must wait for the GIL: the loop drops it only once the ticker has
    asked for a whole switch interval. Later gaps can be short on a loaded machine (once the loop has lost the GIL,
    the OS may not run it again before the ticker's next tick, which then finds the GIL free), so the test asks
    for one such wait, not for the median."""
    with gil.switch_interval(0.01):
        gaps = gil.tick_gaps(workloads.spin, 0.2)
    assert max(gaps) >= 0.009, gaps


def test_a_sleeping_caller_leaves_the_ticker_its_pace():
    gaps = gil.tick_gaps(time.sleep, 0.2)
    assert len(gaps) > 10 and statistics.median(gaps) < 0.01


def test_warm_pool_of_processes_has_every_worker_up_and_ends_them():
    before = set(multiprocessing.active_children())
    with gil.warm_pool("processes", 2) as pool:
        assert len(set(multiprocessing.active_children()) - before) == 2
        assert pool.map(workloads.count_primes, [10, 20]) == [4, 8]


def test_warm_pool_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="threads' or 'processes"):
        with gil.warm_pool("fibers", 2):
            pass


def test_sleeps_speed_up_with_threads():
    slow, fast = gil.speedups(time.sleep, [0.05] * 4, "threads", [1, 4], repeat=1)
    assert slow < 1.5 and fast > 2


def test_in_process_waits_for_its_child():
    began = time.perf_counter()
    gil.in_process(time.sleep, 0.1)
    assert time.perf_counter() - began >= 0.1


def test_plot_speedups_draws_both_ideals_and_every_curve():
    ax = gil.plot_speedups({"a": [1, 2], "b": [1, 1]}, [1, 2])
    assert [line.get_label() for line in ax.get_lines()][2:] == ["a", "b"]
    assert len(ax.get_lines()) == 4


def test_sha256_of_zeros_hashes_that_many_mebibytes():
    assert workloads.sha256_of_zeros(2) == hashlib.sha256(bytes(2 << 20)).hexdigest()


class _Sum:
    """A number whose ``+`` is Python code that spins in the witness: one BINARY_OP with a switch point inside."""

    def __init__(self, witness: gil.Witness) -> None:
        self.witness = witness

    def __add__(self, other: object) -> int:
        self.witness.spin()
        return 3


def test_witness_runs_inside_an_operation_that_calls_python_code():
    with gil.switch_interval(0.005), gil.Witness() as witness:
        assert _Sum(witness) + 1 == 3
    assert witness.ran_inside
    assert witness.waited >= (0.004 if gil.gil_enabled() else 0), "beside a spinning holder the GIL comes after the interval"


def test_witness_does_not_run_when_no_hook_calls_spin():
    with gil.Witness() as witness:
        assert [1] + [2] == [1, 2]
    assert not witness.ran_inside and witness.waited == 0


def test_witness_gives_up_after_its_timeout_when_the_witness_cannot_run():
    with gil.Witness(timeout=0.2) as witness:
        witness._closing = True  # the witness wakes but does not note that it ran, as if it never got the GIL
        began = time.perf_counter()
        witness.spin()
    assert not witness.ran_inside and 0.2 <= time.perf_counter() - began < 2


def test_thread_speedups_with_gil_measures_in_a_child_interpreter(monkeypatch):
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: True, raising=False)  # as on 3.13+; 3.11 ignores -X gil=1
    slow, fast = gil.thread_speedups_with_gil(time.sleep, [0.05] * 4, [1, 4])
    assert slow < 1.5 and fast > 2


def test_thread_speedups_with_gil_explains_when_there_is_no_free_threaded_build(monkeypatch):
    monkeypatch.delattr(sys, "_is_gil_enabled", raising=False)
    with pytest.raises(RuntimeError, match="no free-threaded build"):
        gil.thread_speedups_with_gil(time.sleep, [0.01], [1])


def test_thread_speedups_with_gil_reports_a_failing_child(monkeypatch):
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: True, raising=False)
    with pytest.raises(RuntimeError, match="failed: .*Error"):
        gil.thread_speedups_with_gil(workloads.count_primes, ["not a number"], [1])
