"""Hand-computed schedules for small job mixes: the simulator must agree with pencil and paper."""
import pytest
from matplotlib.figure import Figure

from course.scheduling import (
    CPU, IO, Job, Segment, Task, batch, earliest_deadline_first, job_mix, missed_deadlines, multiprogramming,
    plot_comparison, plot_schedule, round_robin_deadlines, speed_up_io, time_sharing,
)

# A computes 3, reads 4, computes 3; B computes 2, reads 5, computes 2. Alone: T1 = 10, T2 = 9.
A = Job("A", 0, (3, 4, 3))
B = Job("B", 0, (2, 5, 2))


def spans(schedule, kind):
    return [(s.job, s.start, s.end) for s in schedule.segments if s.kind == kind]


def test_batch_runs_jobs_one_after_another_and_idles_during_io():
    schedule = batch([B, A])  # list order does not matter: arrival, then name
    assert spans(schedule, CPU) == [("A", 0, 3), ("A", 7, 10), ("B", 10, 12), ("B", 17, 19)]
    assert spans(schedule, IO) == [("A", 3, 7), ("B", 12, 17)]
    assert schedule.completion == {"A": 10, "B": 19}
    assert schedule.cpu_utilisation == pytest.approx(10 / 19)


def test_multiprogramming_finishes_two_jobs_sooner_than_t1_plus_t2():
    schedule = multiprogramming([A, B])
    # B takes the CPU at 3 when A starts reading; A's second burst waits from 7 until it has it back.
    assert spans(schedule, CPU) == [("A", 0, 3), ("B", 3, 5), ("A", 7, 10), ("B", 10, 12)]
    assert spans(schedule, IO) == [("A", 3, 7), ("B", 5, 10)]
    assert schedule.makespan == 12 < batch([A, B]).makespan == 10 + 9
    assert schedule.cpu_utilisation == pytest.approx(10 / 12)
    assert schedule.io_utilisation == pytest.approx(7 / 12)  # I/O of A and B overlaps during 5..7
    assert schedule.turnaround == {"A": 10, "B": 12}
    assert schedule.response == {"A": 0, "B": 3}


def test_time_sharing_preempts_after_a_quantum():
    schedule = time_sharing([Job("A", 0, (5,)), Job("B", 0, (3,))], quantum=2)
    assert spans(schedule, CPU) == [("A", 0, 2), ("B", 2, 4), ("A", 4, 6), ("B", 6, 7), ("A", 7, 8)]
    assert schedule.completion == {"A": 8, "B": 7}


def test_a_job_arriving_as_a_quantum_expires_queues_before_the_preempted_job():
    schedule = time_sharing([Job("A", 0, (4,)), Job("B", 2, (2,))], quantum=2)
    assert spans(schedule, CPU) == [("A", 0, 2), ("B", 2, 4), ("A", 4, 6)]


def test_a_job_back_from_io_as_a_quantum_expires_queues_before_the_preempted_job():
    schedule = time_sharing([Job("A", 0, (1, 2, 1)), Job("B", 0, (4,))], quantum=2)
    # A computes 0..1 and reads 1..3; B's quantum runs 1..3; at 3 A is back and queues first.
    assert spans(schedule, CPU) == [("A", 0, 1), ("B", 1, 3), ("A", 3, 4), ("B", 4, 6)]


def test_simultaneous_arrivals_queue_by_name_and_idle_gaps_leave_the_cpu_idle():
    schedule = time_sharing([Job("C", 5, (1,)), Job("B", 5, (1,)), Job("A", 0, (2,))], quantum=3)
    assert spans(schedule, CPU) == [("A", 0, 2), ("B", 5, 6), ("C", 6, 7)]
    assert schedule.cpu_utilisation == pytest.approx(4 / 7)


def test_the_running_job_keeps_the_cpu_when_nobody_else_is_ready():
    schedule = time_sharing([Job("A", 0, (5,))], quantum=2)
    assert spans(schedule, CPU) == [("A", 0, 5)]


def test_zero_length_bursts_take_no_time():
    schedule = multiprogramming([Job("A", 0, (2, 0, 3)), Job("E", 1, ()), Job("Z", 1, (0,))])
    assert spans(schedule, CPU) == [("A", 0, 5)]
    assert schedule.completion == {"A": 5, "E": 1, "Z": 1}
    assert "E" not in schedule.response


def test_a_job_may_end_with_io():
    schedule = batch([Job("A", 0, (1, 3)), Job("B", 0, (1,))])
    assert spans(schedule, IO) == [("A", 1, 4)]
    assert schedule.completion == {"A": 4, "B": 5}


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        Job("A", 0, (1, -1))
    with pytest.raises(ValueError):
        batch([Job("A", 0, (1,)), Job("A", 1, (1,))])
    with pytest.raises(ValueError):
        time_sharing([Job("A", 0, (1,))], quantum=0)


# A furnace controller: a periodic log, a sensor read, a valve adjustment, an alarm.
TASKS = [Task("log", 0, 6, 20), Task("sensor", 0, 2, 4), Task("valve", 3, 3, 9), Task("alarm", 5, 1, 7)]


def test_round_robin_misses_deadlines_that_edf_meets():
    rr = round_robin_deadlines(TASKS, quantum=2)
    assert rr.completion == {"sensor": 4, "alarm": 9, "log": 11, "valve": 12}
    assert rr.missed == ["alarm", "valve"]
    edf = earliest_deadline_first(TASKS)
    assert spans(edf, CPU) == [("sensor", 0, 2), ("log", 2, 3), ("valve", 3, 5), ("alarm", 5, 6),
                               ("valve", 6, 7), ("log", 7, 12)]
    assert edf.missed == []


def test_edf_breaks_deadline_ties_by_release_then_name():
    edf = earliest_deadline_first([Task("b", 0, 1, 5), Task("a", 0, 1, 5), Task("c", 1, 1, 2)])
    assert spans(edf, CPU) == [("a", 0, 1), ("c", 1, 2), ("b", 2, 3)]


def test_missed_deadlines_agrees_with_completion_times_and_handles_partial_schedules():
    for schedule in (round_robin_deadlines(TASKS, 2), round_robin_deadlines(TASKS, 3), earliest_deadline_first(TASKS)):
        assert missed_deadlines(TASKS, schedule.segments) == schedule.missed
    task = Task("t", 0, 2, 2)
    assert missed_deadlines([task], [Segment("t", CPU, 0, 2)]) == []  # done exactly on time
    assert missed_deadlines([task], [Segment("t", CPU, 0, 1), Segment("t", CPU, 2, 3)]) == ["t"]
    assert missed_deadlines([task], []) == ["t"]
    assert missed_deadlines([Task("nothing", 0, 0, 0)], []) == []


def test_job_mix_is_deterministic_and_speed_up_io_shortens_only_io():
    assert job_mix(3, 0.5) == job_mix(3, 0.5)
    assert [job.bursts for job in job_mix(2, 0.5)] == [(2, 2, 2, 2, 2), (5, 5, 5, 5, 5)]
    assert [job.bursts for job in job_mix(1, 0.0)] == [(2, 0, 2, 0, 2)]
    assert speed_up_io([Job("A", 0, (3, 9, 3, 2))], 4) == [Job("A", 0, (3, 3, 3, 1))]


def legend_texts(ax):
    return {text.get_text() for text in ax.get_legend().get_texts()}


def test_plots_draw_a_row_per_job_and_one_legend():
    fig = plot_comparison([batch([A, B]), multiprogramming([A, B])])
    first, second = fig.axes
    assert [label.get_text() for label in first.get_yticklabels()] == ["A", "B"]
    assert legend_texts(first) == {"CPU", "I/O", "arrival"}
    assert second.get_legend() is None
    ax = Figure().subplots()
    plot_schedule(earliest_deadline_first(TASKS), ax)
    assert legend_texts(ax) == {"CPU", "arrival", "deadline"}
