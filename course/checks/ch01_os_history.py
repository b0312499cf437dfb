"""Visible checks and hidden tests for chapter 1 (a short history of operating systems).

Every expected answer comes from ``course.scheduling``, the simulator the chapter's figures use, so the
checks and the figures cannot disagree. Each function checks one thing and fails with a sentence that says
what went wrong and which rule of the exercise to look at again. Student code runs under a time bound, and
may not call the simulator's own answer (``call_own_work``). Everything here is deterministic: the "any
order" inputs are fixed reorderings, not random shuffles.

What each exercise's statement requires, and the check that enforces it:

Exercise 1, ``cpu_utilisation(segments)`` / ``average_turnaround(jobs, segments)``:

| Requirement of the statement                                                | Check                                   |
|-----------------------------------------------------------------------------|-----------------------------------------|
| utilisation = CPU busy time / time from tick 0 to the latest end            | cpu_utilisation_of_two_jobs             |
| only ``"cpu"`` segments are busy time; I/O ones only lengthen the run         | cpu_utilisation_of_varied_mixes         |
| the run starts at tick 0, also when the first job arrives later             | cpu_utilisation_of_varied_mixes         |
| the run ends with the latest end of ANY segment, I/O included               | cpu_utilisation_of_varied_mixes         |
| a number between 0 and 1, boundaries included (I/O only: 0; CPU only: 1)    | cpu_utilisation_of_varied_mixes         |
| segments come in no particular order: not the end of the list's last one   | cpu_utilisation_in_any_order            |
| turnaround = end of the job's latest segment (CPU or I/O) - its arrival     | average_turnaround_of_two_jobs          |
| measured from the arrival, not from the first run; final I/O counts         | average_turnaround_of_varied_mixes      |
| the mean over ``jobs``, not over segments; a true (non-integer) mean        | average_turnaround_of_two_jobs          |
| ``Segment.job`` is the job's name, matched with ``Job.name``                | every average_turnaround check          |
| a job's segments in no particular order: its latest, not its last listed    | average_turnaround_in_any_order         |
| the simulator's own measures are not used                                   | call_own_work, in every check           |

Exercise 2, ``round_robin(jobs, quantum)``:

| Requirement of the statement                                                | Check                                    |
|-----------------------------------------------------------------------------|------------------------------------------|
| a dict {name: completion}, exactly one entry per job                        | _check_round_robin, in every check       |
| rule 1: one FIFO queue; a job enters it at its arrival                      | round_robin_two_jobs, _later_arrivals    |
| rule 2: at most one quantum, then to the END of the queue                   | round_robin_two_jobs, round_robin_mixed  |
| rule 2: finishing early hands the CPU on at once                            | round_robin_quantum_larger_than_bursts   |
| rule 2: alone at expiry, a job carries on with a NEW full quantum            | round_robin_lone_job_renews_quantum      |
| rule 3: simultaneous arrivals queue by name, whatever the list order        | round_robin_simultaneous_arrivals        |
| rule 4: arrival at a quantum's expiry queues before the preempted job       | round_robin_arrival_as_quantum_expires   |
| rule 5: the CPU idles until the next arrival, never runs a job early        | round_robin_idle_gaps                    |
| rule 6: burst 0 completes at its arrival, also mid-quantum, takes no turn   | round_robin_zero_bursts                  |
| ``jobs`` may be empty: ``{}``                                               | round_robin_no_jobs                      |
| names are any unique strings, none reserved ("" and "idle" included)       | round_robin_any_names                    |
| ``jobs`` in any order; quanta 1 to beyond every burst                       | round_robin_mixed, _simultaneous_arrivals|
| the simulator's ``time_sharing`` is not used                                | call_own_work, in every check            |

Exercise 3, ``missed_deadlines(tasks, segments)``:

| Requirement of the statement                                                | Check                                   |
|-----------------------------------------------------------------------------|-----------------------------------------|
| a task meets its deadline if it had all its CPU time by then               | missed_deadlines_of_the_furnace         |
| a preempted task is done only at the end of its latest segment              | missed_deadlines_of_preempted_tasks     |
| completing exactly AT the deadline is on time; one tick later is not        | missed_deadlines_finishing_on_time      |
| the deadline is absolute, not relative to the release                       | missed_deadlines_of_the_furnace         |
| CPU time after the deadline does not count                                  | missed_deadlines_of_preempted_tasks     |
| never run, or not given all its CPU time: missed                            | missed_deadlines_of_unfinished_tasks    |
| a task needing no CPU time never misses, even absent from the segments      | missed_deadlines_of_empty_tasks         |
| a deadline of 0 is a deadline like any other                                | missed_deadlines_due_at_tick_zero       |
| only CPU segments count; I/O segments give no CPU time                      | missed_deadlines_count_cpu_time_only    |
| segments of jobs that are not tasks are ignored, never reported             | missed_deadlines_count_cpu_time_only    |
| segments come in no particular order                                        | missed_deadlines_in_any_order           |
| a list of names in the order ``sorted()`` gives (capitals first)            | missed_deadlines_in_sorted_order        |
| no tasks: ``[]``; no segments: every task with work has missed              | missed_deadlines_of_no_tasks_or_no_runs |
| the simulator's ``missed_deadlines`` is not used                            | call_own_work, in every check           |
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
    CPU,
    IO,
    Job,
    Schedule,
    Segment,
    Task,
    batch,
    earliest_deadline_first,
    job_mix,
    missed_deadlines,
    multiprogramming,
    round_robin_deadlines,
    time_sharing,
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
    return "; ".join(f"{job.name!r} arrives {job.arrival}, bursts {list(job.bursts)}" for job in jobs)


def _reorderings(segments: tuple[Segment, ...]) -> list[list[Segment]]:
    """The same segments in two fixed orders other than time order: reversed, and grouped by job with each
    job's latest segment first. Reversed, the segment listed last is the earliest of all; grouped, each
    job's segment listed last is its earliest: an answer that trusts the list's order shows it."""
    return [list(reversed(segments)), sorted(segments, key=lambda s: (s.job, -s.start))]


# --- Exercise 1: measure a schedule ---------------------------------------------------------------

# Late arrivals (the CPU idles from tick 0), jobs that end with I/O, a job alone, generated mixes, and the
# two boundaries of utilisation: a job that only does I/O (0.0) and one that only computes (1.0).
MEASURED_MIXES = [
    job_mix(3, 0.5),
    job_mix(4, 0.3),
    [Job("A", 3, (2, 2, 2)), Job("B", 4, (1, 6))],
    [Job("solo", 0, (4, 3, 1, 5))],
    [Job("printer", 0, (0, 5))],
    [Job("number cruncher", 0, (6,))],
]


def _schedules_of(jobs: list[Job]) -> list[Schedule]:
    return [batch(jobs), multiprogramming(jobs), time_sharing(jobs, 2)]


def _segments_text(segments: list[Segment]) -> str:
    return ", ".join(f"{s.job!r} {s.kind} {s.start}..{s.end}" for s in segments) or "no segments"


def _close(got: object, expected: float) -> bool:
    return isinstance(got, Real) and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)


def _check_cpu_utilisation(cpu_utilisation: Callable, jobs: list[Job], reorder: bool = False) -> None:
    for schedule in _schedules_of(jobs):
        orders = _reorderings(schedule.segments) if reorder else [list(schedule.segments)]
        for segments in orders:
            got = call_own_work(SECONDS, REFERENCE, cpu_utilisation, segments)
            if not _close(got, schedule.cpu_utilisation):
                busy = sum(s.end - s.start for s in schedule.segments if s.kind == CPU)
                order = " given in this order: " + _segments_text(segments) if reorder else ""
                raise AssertionError(
                    f"cpu_utilisation gave {got!r} for the {schedule.mode} schedule of [{_jobs_text(jobs)}]"
                    f"{order}, but the CPU is busy {busy} of the {schedule.makespan} ticks from time 0 to the "
                    f"latest end of any segment: {schedule.cpu_utilisation:.4f}. Add up the lengths of the "
                    f"'cpu' segments only, and divide by the latest end of any segment (CPU or I/O), whatever "
                    f"the order of the list."
                )


def cpu_utilisation_of_two_jobs(cpu_utilisation: Callable) -> None:
    """cpu_utilisation is right for the chapter's two jobs, in every mode."""
    _check_cpu_utilisation(cpu_utilisation, TWO_JOBS)


def cpu_utilisation_of_varied_mixes(cpu_utilisation: Callable) -> None:
    """cpu_utilisation is right with late arrivals, jobs ending with I/O, a single job, bigger mixes."""
    for jobs in MEASURED_MIXES:
        _check_cpu_utilisation(cpu_utilisation, jobs)


def cpu_utilisation_in_any_order(cpu_utilisation: Callable) -> None:
    """cpu_utilisation does not depend on the order of the segments: the run ends at the latest end."""
    for jobs in (TWO_JOBS, *MEASURED_MIXES[:4]):
        _check_cpu_utilisation(cpu_utilisation, jobs, reorder=True)


def _check_average_turnaround(average_turnaround: Callable, jobs: list[Job], reorder: bool = False) -> None:
    for schedule in _schedules_of(jobs):
        orders = _reorderings(schedule.segments) if reorder else [list(schedule.segments)]
        for segments in orders:
            got = call_own_work(SECONDS, REFERENCE, average_turnaround, list(jobs), segments)
            if not _close(got, schedule.average_turnaround):
                each = ", ".join(f"{name!r}: {ticks}" for name, ticks in schedule.turnaround.items())
                order = " given in this order: " + _segments_text(segments) if reorder else ""
                raise AssertionError(
                    f"average_turnaround gave {got!r} for the {schedule.mode} schedule of "
                    f"[{_jobs_text(jobs)}]{order}, but it is {schedule.average_turnaround:.4f}, the mean of "
                    f"the jobs' turnarounds ({each}). A job's turnaround is the latest end of any of its "
                    f"segments (CPU or I/O), whatever their order in the list, minus its arrival time; "
                    f"average over the jobs, not over the segments."
                )


def average_turnaround_of_two_jobs(average_turnaround: Callable) -> None:
    """average_turnaround is right for the chapter's two jobs, in every mode."""
    _check_average_turnaround(average_turnaround, TWO_JOBS)


def average_turnaround_of_varied_mixes(average_turnaround: Callable) -> None:
    """average_turnaround is right with late arrivals, jobs ending with I/O, a single job, bigger mixes."""
    for jobs in MEASURED_MIXES:
        _check_average_turnaround(average_turnaround, jobs)


def average_turnaround_in_any_order(average_turnaround: Callable) -> None:
    """average_turnaround does not depend on the order of the segments: a job ends at its latest end."""
    for jobs in (TWO_JOBS, *MEASURED_MIXES[:4]):
        _check_average_turnaround(average_turnaround, jobs, reorder=True)


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


def round_robin_lone_job_renews_quantum(round_robin: Callable) -> None:
    """A job alone when its quantum expires starts a new, full quantum: a later arrival waits for its end."""
    _check_round_robin(
        round_robin, _cpu_jobs(("A", 0, 7), ("B", 3, 2)), 2,
        "a job whose quantum expires while the queue is empty carries on with a NEW quantum of its own; a "
        "job that arrives during that quantum waits until it expires.",
    )


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
    # Arriving in the middle of someone's quantum, and during an idle gap.
    _check_round_robin(round_robin, _cpu_jobs(("A", 0, 4), ("X", 1, 0), ("B", 3, 2), ("W", 4, 0)), 3, hint)
    _check_round_robin(round_robin, _cpu_jobs(("A", 0, 1), ("V", 3, 0), ("B", 5, 1)), 2, hint)


def round_robin_no_jobs(round_robin: Callable) -> None:
    """No jobs at all: nothing completes, and the answer is an empty dict."""
    _check_round_robin(round_robin, [], 2, "with no jobs, return an empty dict {}.")


def round_robin_any_names(round_robin: Callable) -> None:
    """Any string is a job's name, also "" or "idle": none may stand for "no job"."""
    _check_round_robin(
        round_robin, _cpu_jobs(("idle", 0, 3), ("", 1, 3), ("None", 1, 2), ("0", 4, 1)), 2,
        "a job's name can be any string, even \"\" (which is false) or \"idle\": do not use a name, or "
        "the truth of a name, to mean that the CPU is free; use None, or a separate flag.",
    )


# --- Exercise 3: missed deadlines -----------------------------------------------------------------

def _check_missed(missed: Callable, tasks: list[Task], segments: list[Segment], hint: str) -> None:
    expected = missed_deadlines(tasks, segments)
    got = call_own_work(SECONDS, REFERENCE, missed, list(tasks), list(segments))
    if got != expected:
        described = "; ".join(f"{t.name!r} released {t.release}, needs {t.execution}, deadline {t.deadline}"
                              for t in tasks) or "no tasks"
        raise AssertionError(
            f"missed_deadlines gave {got!r} for tasks [{described}] with segments [{_segments_text(segments)}], "
            f"but the tasks that miss their deadlines are {expected} (a list of names, in the order sorted() "
            f"gives): {hint}"
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


def missed_deadlines_in_any_order(missed: Callable) -> None:
    """The order of the segments does not matter: a task is done at the end of its latest segment."""
    tasks = [Task("a", 0, 4, 6), Task("b", 1, 3, 5), Task("c", 2, 2, 9), Task("d", 2, 1, 12)]
    for run_tasks, schedule in ((tasks, round_robin_deadlines(tasks, 1)), (FURNACE, round_robin_deadlines(FURNACE, 2)),
                                (FURNACE, earliest_deadline_first(FURNACE))):
        for segments in _reorderings(schedule.segments):
            _check_missed(missed, run_tasks, segments, "the segments come in no particular order: a task is "
                          "done at the latest end of its segments, not at the end of the one listed last.")


def missed_deadlines_count_cpu_time_only(missed: Callable) -> None:
    """I/O segments give a task no CPU time, and segments of jobs that are not tasks are ignored."""
    tasks = [Task("log", 0, 3, 6), Task("sample", 0, 2, 8)]
    segments = [Segment("log", CPU, 0, 1), Segment("log", IO, 1, 5), Segment("sample", CPU, 1, 3),
                Segment("backup", CPU, 3, 9), Segment("log", CPU, 9, 11)]
    _check_missed(missed, tasks, segments, "only 'cpu' segments are CPU time: an 'io' segment gives a task "
                  "none; and only tasks are reported, never another job ('backup' is not a task).")


def missed_deadlines_due_at_tick_zero(missed: Callable) -> None:
    """A deadline or release of 0 is a time like any other, not "no deadline"."""
    tasks = [Task("now", 0, 1, 0), Task("nothing due", 0, 0, 0), Task("soon", 0, 1, 1)]
    _check_missed(missed, tasks, [Segment("now", CPU, 0, 1), Segment("soon", CPU, 1, 2)],
                  "a deadline of 0 means the task must be done at tick 0; one needing CPU time has missed it.")


def missed_deadlines_in_sorted_order(missed: Callable) -> None:
    """The names come back in the order sorted() gives them: capitals before lower case."""
    tasks = [Task("valve", 0, 2, 1), Task("Alarm", 0, 1, 1), Task("boiler", 0, 1, 1), Task("Zone", 0, 1, 1)]
    _check_missed(missed, tasks, [], "return sorted(names): Python orders capitals before lower-case letters "
                  "('Zone' before 'boiler').")


def missed_deadlines_of_no_tasks_or_no_runs(missed: Callable) -> None:
    """No tasks: nothing is missed; no segments: every task that needs CPU time has missed."""
    _check_missed(missed, [], [], "with no tasks, no deadline is missed: return [].")
    _check_missed(missed, [], [Segment("backup", CPU, 0, 4)], "with no tasks, no deadline is missed: return [].")
    _check_missed(missed, [Task("b", 1, 2, 9), Task("a", 0, 1, 9), Task("idle", 0, 0, 1)], [],
                  "a task that never ran has missed its deadline, unless it needs no CPU time.")
