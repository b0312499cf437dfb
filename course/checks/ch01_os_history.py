"""Visible checks and hidden tests for chapter 1 (a short history of operating systems).

Every expected answer comes from ``course.scheduling``, the simulator the chapter's figures use, so the
checks and the figures cannot disagree. Each function checks one thing and fails with a sentence that says
what went wrong and which rule of the exercise to look at again. Student code runs under a time bound.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import replace
from numbers import Real

from course import scheduling
from course.bounded import call_own_work
from course.scheduling import (
    CPU, Job, Schedule, Segment, Task, batch, earliest_deadline_first, job_mix, missed_deadlines,
    multiprogramming, round_robin_deadlines, time_sharing,
)

SECONDS = 5  # bound on one call of student code; the reference answers take milliseconds


def _reference_code() -> list[Callable]:
    """Every function of the simulator that computes an answer: the module's functions, and the
    methods and properties of the classes that schedule and measure (a student's answer must not call them)."""
    found = [f for f in vars(scheduling).values() if inspect.isfunction(f) and f.__module__ == scheduling.__name__]
    for cls in (scheduling.Schedule, scheduling._Simulation):
        for member in vars(cls).values():
            found += [f for f in (member, getattr(member, "fget", None)) if inspect.isfunction(f)]
    return found


REFERENCE = _reference_code()

# The two jobs of the chapter's T1 + T2 figure, and the furnace controller of its real-time section.
TWO_JOBS = [Job("A", 0, (3, 4, 3)), Job("B", 0, (2, 5, 2))]
FURNACE = [Task("log", 0, 6, 20), Task("sensor", 0, 2, 4), Task("valve", 3, 3, 9), Task("alarm", 5, 1, 7)]


def _jobs_text(jobs: list[Job]) -> str:
    return "; ".join(f"{job.name} arrives {job.arrival}, bursts {list(job.bursts)}" for job in jobs)


# --- Exercise 1: measure a schedule ---------------------------------------------------------------

# Late arrivals (the CPU idles from tick 0), jobs that end with I/O, a job alone, generated mixes.
MEASURED_MIXES = [
    job_mix(3, 0.5),
    job_mix(4, 0.3),
    [Job("A", 3, (2, 2, 2)), Job("B", 4, (1, 6))],
    [Job("solo", 0, (4, 3, 1, 5))],
]


def _schedules_of(jobs: list[Job]) -> list[Schedule]:
    return [batch(jobs), multiprogramming(jobs), time_sharing(jobs, 2)]


def _close(got: object, expected: float) -> bool:
    return isinstance(got, Real) and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)


def _check_cpu_utilisation(cpu_utilisation: Callable, jobs: list[Job]) -> None:
    for schedule in _schedules_of(jobs):
        got = call_own_work(SECONDS, REFERENCE, cpu_utilisation, list(schedule.segments))
        if not _close(got, schedule.cpu_utilisation):
            busy = sum(s.end - s.start for s in schedule.segments if s.kind == CPU)
            raise AssertionError(
                f"cpu_utilisation gave {got!r} for the {schedule.mode} schedule of [{_jobs_text(jobs)}], but "
                f"the CPU is busy {busy} of the {schedule.makespan} ticks from time 0 to the end of the last "
                f"segment: {schedule.cpu_utilisation:.4f}. Add up the lengths of the 'cpu' segments only, and "
                f"divide by the time at which the last segment (CPU or I/O) ends."
            )


def cpu_utilisation_of_two_jobs(cpu_utilisation: Callable) -> None:
    """cpu_utilisation is right for the chapter's two jobs, in every mode."""
    _check_cpu_utilisation(cpu_utilisation, TWO_JOBS)


def cpu_utilisation_of_varied_mixes(cpu_utilisation: Callable) -> None:
    """cpu_utilisation is right with late arrivals, jobs ending with I/O, a single job, bigger mixes."""
    for jobs in MEASURED_MIXES:
        _check_cpu_utilisation(cpu_utilisation, jobs)


def _check_average_turnaround(average_turnaround: Callable, jobs: list[Job]) -> None:
    for schedule in _schedules_of(jobs):
        got = call_own_work(SECONDS, REFERENCE, average_turnaround, list(jobs), list(schedule.segments))
        if not _close(got, schedule.average_turnaround):
            each = ", ".join(f"{name}: {ticks}" for name, ticks in schedule.turnaround.items())
            raise AssertionError(
                f"average_turnaround gave {got!r} for the {schedule.mode} schedule of [{_jobs_text(jobs)}], "
                f"but it is {schedule.average_turnaround:.4f}, the mean of the jobs' turnarounds ({each}). A "
                f"job's turnaround is the end of its last segment (CPU or I/O) minus its arrival time; "
                f"average over the jobs, not over the segments."
            )


def average_turnaround_of_two_jobs(average_turnaround: Callable) -> None:
    """average_turnaround is right for the chapter's two jobs, in every mode."""
    _check_average_turnaround(average_turnaround, TWO_JOBS)


def average_turnaround_of_varied_mixes(average_turnaround: Callable) -> None:
    """average_turnaround is right with late arrivals, jobs ending with I/O, a single job, bigger mixes."""
    for jobs in MEASURED_MIXES:
        _check_average_turnaround(average_turnaround, jobs)


# --- Exercise 2: round-robin ----------------------------------------------------------------------

def _cpu_jobs(*specs: tuple[str, int, int]) -> list[Job]:
    """CPU-only jobs from (name, arrival, burst) triples, in the order given (not always sorted)."""
    return [Job(name, arrival, (burst,)) for name, arrival, burst in specs]


def _check_round_robin(round_robin: Callable, jobs: list[Job], quantum: int, hint: str) -> None:
    expected = time_sharing(jobs, quantum).completion
    got = call_own_work(SECONDS, REFERENCE, round_robin, list(jobs), quantum)
    described = f"round_robin(jobs, {quantum}) for jobs [{_jobs_text(jobs)}]"
    if not isinstance(got, dict):
        raise AssertionError(f"{described} returned {got!r}: return a dict {{job name: completion time}}.")
    if set(got) != set(expected):
        raise AssertionError(
            f"{described} returned times for {sorted(got)}, but the jobs are {sorted(expected)}: "
            f"give every job, including those with nothing to do, exactly one completion time."
        )
    for name, finish in expected.items():  # in order of completion: the first difference explains most
        if got[name] != finish:
            raise AssertionError(
                f"{described} gave job {name!r} completion time {got[name]!r}, but with quantum {quantum} "
                f"it finishes at {finish}: {hint}"
            )


def round_robin_two_jobs(round_robin: Callable) -> None:
    """Two jobs present from the start take turns of one quantum each."""
    _check_round_robin(
        round_robin, _cpu_jobs(("A", 0, 5), ("B", 0, 3)), 2,
        "the job at the head of the queue runs for at most one quantum, then goes to the END of the queue.",
    )


def round_robin_later_arrivals(round_robin: Callable) -> None:
    """Jobs that arrive while another runs wait at the end of the queue."""
    hint = "remember a job that arrives while another runs joins the END of the ready queue."
    _check_round_robin(round_robin, _cpu_jobs(("A", 0, 4), ("B", 1, 3), ("C", 3, 2)), 2, hint)
    _check_round_robin(round_robin, _cpu_jobs(("A", 0, 6), ("B", 1, 2), ("C", 1, 4), ("D", 7, 3)), 3, hint)


def round_robin_arrival_as_quantum_expires(round_robin: Callable) -> None:
    """A job arriving at the very instant a quantum expires is queued before the preempted job."""
    hint = ("a job that arrives at the instant a quantum expires enters the ready queue BEFORE the job "
            "whose quantum just expired.")
    _check_round_robin(round_robin, _cpu_jobs(("A", 0, 4), ("B", 2, 2)), 2, hint)
    _check_round_robin(round_robin, _cpu_jobs(("A", 0, 5), ("B", 0, 4), ("C", 2, 3), ("D", 4, 1)), 2, hint)


def round_robin_mixed(round_robin: Callable) -> None:
    """Larger mixes with staggered arrivals, for several quanta."""
    jobs = _cpu_jobs(("A", 0, 7), ("B", 2, 4), ("C", 3, 9), ("D", 5, 1), ("E", 6, 5), ("F", 11, 3))
    for quantum in (1, 2, 3, 4):
        _check_round_robin(round_robin, jobs, quantum,
                           "follow the queue rules of the exercise one event at a time, on paper if needed.")


def round_robin_quantum_larger_than_bursts(round_robin: Callable) -> None:
    """With a quantum longer than every burst, round-robin is first come, first served."""
    _check_round_robin(
        round_robin, _cpu_jobs(("A", 0, 3), ("B", 1, 5), ("C", 2, 2)), 10,
        "a job that finishes before its quantum ends gives the CPU to the next job at once; with a quantum "
        "longer than every burst, jobs simply run in order of arrival.",
    )


def round_robin_simultaneous_arrivals(round_robin: Callable) -> None:
    """Jobs arriving together queue in name order, whatever the order of the list."""
    _check_round_robin(
        round_robin, _cpu_jobs(("C", 0, 3), ("A", 0, 3), ("B", 0, 3), ("E", 4, 2), ("D", 4, 2)), 2,
        "jobs arriving at the same instant enter the queue in order of name, not in the order of the list "
        "you were given: sort by (arrival, name).",
    )


def round_robin_idle_gaps(round_robin: Callable) -> None:
    """When no job is ready, the CPU waits for the next arrival."""
    hint = ("when no job is ready the CPU idles until the next arrival; a job never starts before it "
            "arrives.")
    _check_round_robin(round_robin, _cpu_jobs(("A", 0, 2), ("B", 5, 3), ("C", 12, 1)), 2, hint)
    _check_round_robin(round_robin, _cpu_jobs(("late", 4, 3)), 1, hint)


def round_robin_zero_bursts(round_robin: Callable) -> None:
    """A job with a zero-length burst completes at its arrival and takes no turn."""
    hint = ("a job whose burst is 0 needs no CPU: it completes at its arrival time, without waiting in the "
            "queue, and without delaying anyone.")
    _check_round_robin(round_robin, _cpu_jobs(("A", 0, 3), ("Z", 0, 0), ("B", 1, 2), ("Y", 2, 0)), 2, hint)
    _check_round_robin(round_robin, _cpu_jobs(("nothing", 3, 0)), 2, hint)


# --- Exercise 3: missed deadlines -----------------------------------------------------------------

def _check_missed(missed: Callable, tasks: list[Task], segments: list[Segment], hint: str) -> None:
    expected = missed_deadlines(tasks, segments)
    got = call_own_work(SECONDS, REFERENCE, missed, list(tasks), list(segments))
    if got != expected:
        described = "; ".join(f"{t.name} released {t.release}, needs {t.execution}, deadline {t.deadline}"
                              for t in tasks)
        ran = ", ".join(f"{s.job} {s.start}..{s.end}" for s in segments if s.kind == CPU) or "nothing"
        raise AssertionError(
            f"missed_deadlines gave {got!r} for tasks [{described}] that ran [{ran}], but the tasks that "
            f"miss their deadlines are {expected} (a list of names in alphabetical order): {hint}"
        )


def missed_deadlines_of_the_furnace(missed: Callable) -> None:
    """The chapter's furnace tasks: round-robin misses deadlines that EDF meets."""
    for schedule in (round_robin_deadlines(FURNACE, 2), earliest_deadline_first(FURNACE)):
        _check_missed(missed, FURNACE, list(schedule.segments),
                      "compare each task's completion (the end of its last segment) with its deadline.")


def missed_deadlines_of_preempted_tasks(missed: Callable) -> None:
    """Tasks cut into several segments are done only at the end of their last one."""
    tasks = [Task("a", 0, 4, 6), Task("b", 1, 3, 5), Task("c", 2, 2, 9), Task("d", 2, 1, 12)]
    runs = [(tasks, round_robin_deadlines(tasks, 1)), (tasks, earliest_deadline_first(tasks)),
            (FURNACE, round_robin_deadlines(FURNACE, 1)), (FURNACE, round_robin_deadlines(FURNACE, 3))]
    for run_tasks, schedule in runs:
        _check_missed(missed, run_tasks, list(schedule.segments),
                      "a preempted task has several segments; it is complete only at the end of its LAST one.")


def missed_deadlines_finishing_on_time(missed: Callable) -> None:
    """A task that completes exactly at its deadline meets it; one tick later misses it."""
    segments = list(earliest_deadline_first(FURNACE).segments)
    finish = {s.job: s.end for s in segments}  # segments are in time order: the last one wins
    on_time = [replace(task, deadline=finish[task.name]) for task in FURNACE]
    late = [replace(task, deadline=task.deadline - 1) if task.name in ("log", "valve") else task
            for task in on_time]
    for tasks in (on_time, late):
        _check_missed(missed, tasks, segments, "the deadline is the last instant at which a task may "
                      "complete: completing exactly AT the deadline is on time.")


def missed_deadlines_of_unfinished_tasks(missed: Callable) -> None:
    """Tasks that never ran, or had not finished when the schedule stops, have missed their deadlines."""
    cut = [replace(s, end=min(s.end, 8)) for s in earliest_deadline_first(FURNACE).segments if s.start < 8]
    _check_missed(missed, FURNACE + [Task("backup", 0, 3, 30)], cut,
                  "a task that never ran, or had less CPU time than it needs, has missed its deadline too.")


def missed_deadlines_of_empty_tasks(missed: Callable) -> None:
    """A task that needs no CPU time never misses its deadline, even if it never appears."""
    _check_missed(missed, [Task("idle", 2, 0, 2), Task("work", 0, 2, 3)], [Segment("work", CPU, 0, 2)],
                  "a task that needs 0 ticks of CPU has all it needs from the start: it never misses.")
