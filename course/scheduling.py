"""A small CPU-scheduling simulator: why operating systems learned to juggle jobs (操作系统发展史).

Each mode of chapter 1's history is one function over the same jobs, so that their schedules compare:

- ``batch``: uniprogrammed batch (单道批处理). One job in memory at a time; while it waits for I/O the
  CPU idles, because there is no other job to give the CPU to.
- ``multiprogramming`` (多道程序): every job that has arrived is in memory; when the running job starts
  I/O, the CPU goes to the next ready job.
- ``time_sharing`` (分时): multiprogramming plus a quantum (时间片, time slice): a job that has used up its
  quantum goes to the back of the ready queue, so that no job waits long for its first turn.
- ``earliest_deadline_first`` and ``round_robin_deadlines``: real-time tasks (实时系统) with deadlines.

Conventions, the same in every mode:

- Time is counted in whole ticks from 0, when the machine is switched on. There is one CPU.
- A job's bursts alternate CPU, I/O, CPU, …, starting with CPU. A zero-length burst takes no time: it is
  dropped and the bursts on either side of it merge.
- Each job does its I/O on a device of its own (as in the tutorial's picture, A prints while B reads its
  cards), so the I/O of different jobs overlaps freely. Only the CPU is shared.
- The ready queue is first in, first out. Jobs that become ready at the same instant (arriving, or back
  from I/O) join it in order of arrival time, then name; a job whose quantum expires at that instant
  joins after them. The whole simulation is deterministic.
- A job that needs no time at all completes at the instant it is admitted.
"""
from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from statistics import mean
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported only when drawing: the simulator (and Chapter 1's checks) stay cheap
    from matplotlib.figure import Figure

__all__ = [
    "CPU", "IO", "Job", "Segment", "Schedule", "Task", "batch", "multiprogramming", "time_sharing",
    "earliest_deadline_first", "round_robin_deadlines", "missed_deadlines", "job_mix", "speed_up_io",
    "plot_schedule", "plot_comparison",
]

CPU, IO = "cpu", "io"


@dataclass(frozen=True)
class Job:
    """A job of a batch: its name, when it arrives, and its bursts (CPU, I/O, CPU, … ticks)."""

    name: str
    arrival: int
    bursts: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "bursts", tuple(self.bursts))
        if self.arrival < 0 or any(burst < 0 for burst in self.bursts):
            raise ValueError(f"job {self.name!r}: arrival and bursts must not be negative")


@dataclass(frozen=True)
class Segment:
    """An interval ``[start, end)`` during which ``job`` used the CPU (kind ``"cpu"``) or did I/O (``"io"``)."""

    job: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Task:
    """A real-time task: released at ``release``, needs ``execution`` ticks of CPU by ``deadline`` (absolute)."""

    name: str
    release: int
    execution: int
    deadline: int

    def as_job(self) -> Job:
        """The task seen by a scheduler that ignores deadlines: a job with a single CPU burst."""
        return Job(self.name, self.release, (self.execution,))


@dataclass(frozen=True)
class Schedule:
    """What one simulated run did: who used the CPU or did I/O when, and when each job completed."""

    mode: str
    jobs: tuple[Job, ...]  # in arrival order: the rows of the timeline
    segments: tuple[Segment, ...]
    completion: dict[str, int]
    first_run: dict[str, int]  # first tick on the CPU; jobs that never need the CPU are absent
    deadlines: dict[str, int] = field(default_factory=dict)  # real-time tasks only

    def named(self, mode: str) -> Schedule:
        """The same schedule under another title, to tell apart two runs of one mode in a figure."""
        return replace(self, mode=mode)

    @property
    def makespan(self) -> int:
        """Time from switching the machine on (tick 0) to the last completion."""
        return max(self.completion.values(), default=0)

    @property
    def turnaround(self) -> dict[str, int]:
        """Completion minus arrival: how long each job's owner waited for the results."""
        return {job.name: self.completion[job.name] - job.arrival for job in self.jobs}

    @property
    def response(self) -> dict[str, int]:
        """First tick on the CPU minus arrival: how long before a job shows any sign of life."""
        return {job.name: self.first_run[job.name] - job.arrival for job in self.jobs if job.name in self.first_run}

    @property
    def average_turnaround(self) -> float:
        """Mean turnaround over the jobs: the batch user's measure of a system."""
        return mean(self.turnaround.values())

    @property
    def cpu_utilisation(self) -> float:
        """Share of the makespan during which the CPU was busy."""
        return self._busy_share(CPU)

    @property
    def io_utilisation(self) -> float:
        """Share of the makespan during which at least one job was doing I/O."""
        return self._busy_share(IO)

    @property
    def missed(self) -> list[str]:
        """Names of the tasks that completed after their deadline, in name order."""
        return sorted(name for name, deadline in self.deadlines.items() if self.completion[name] > deadline)

    def _busy_share(self, kind: str) -> float:
        busy = {tick for s in self.segments if s.kind == kind for tick in range(s.start, s.end)}
        return len(busy) / self.makespan if self.makespan else 0.0


def _arrival_order(job: Job) -> tuple[int, str]:
    return job.arrival, job.name


def _phases(job: Job) -> deque[list]:
    """The job's remaining work as ``[kind, ticks]`` pairs, with zero-length bursts dropped and merged."""
    phases: deque[list] = deque()
    for index, length in enumerate(job.bursts):
        kind = CPU if index % 2 == 0 else IO
        if length == 0:
            continue
        if phases and phases[-1][0] == kind:
            phases[-1][1] += length
        else:
            phases.append([kind, length])
    return phases


class _Simulation:
    """Tick-by-tick state of one run: which job holds the CPU, which wait for it, which do I/O.

    ``memory`` is how many jobs may be in memory at once (1 for uniprogrammed batch, None for no limit);
    ``quantum`` is the time slice (None: a job keeps the CPU until it starts I/O or completes).
    """

    def __init__(self, jobs: Iterable[Job], memory: int | None, quantum: int | None) -> None:
        self.jobs = sorted(jobs, key=_arrival_order)
        if len({job.name for job in self.jobs}) != len(self.jobs):
            raise ValueError("job names must be unique: they label the schedule")
        self.memory, self.quantum = memory, quantum
        self.left = {job.name: _phases(job) for job in self.jobs}
        self.not_admitted = deque(self.jobs)
        self.in_memory = 0
        self.ready: deque[Job] = deque()
        self.in_io: list[Job] = []
        self.running: Job | None = None
        self.used = 0  # ticks of the current quantum used by the running job
        self.completion: dict[str, int] = {}
        self.first_run: dict[str, int] = {}
        self.busy: list[tuple[int, str, str]] = []  # (tick, job name, kind)

    def run(self, mode: str) -> Schedule:
        """Simulate until every job has completed; ``mode`` titles the result."""
        tick = 0
        while True:
            self._events_at(tick)
            if len(self.completion) == len(self.jobs):
                return Schedule(mode, tuple(self.jobs), _segments(self.busy), self.completion, self.first_run)
            self._advance(tick)
            tick += 1

    def _events_at(self, now: int) -> None:
        """Apply everything that happens at instant ``now``, in the order the module docstring promises."""
        woken: list[Job] = []
        preempted = self._stop_running(now)
        for job in [job for job in self.in_io if self.left[job.name][0][1] == 0]:
            self.in_io.remove(job)
            self._next_phase(job, now, woken)
        self._admit(now, woken)
        self.ready.extend(sorted(woken, key=_arrival_order))
        if preempted:
            self.ready.append(preempted)
        if self.running is None and self.ready:
            self.running, self.used = self.ready.popleft(), 0
            self.first_run.setdefault(self.running.name, now)

    def _stop_running(self, now: int) -> Job | None:
        """Take the CPU from a job whose burst is over, or whose quantum is used up (then return it)."""
        job = self.running
        if job is None:
            return None
        if self.left[job.name][0][1] == 0:
            self.running = None
            self._next_phase(job, now, woken=[])  # after a CPU burst comes I/O or the end, never CPU
            return None
        if self.quantum is not None and self.used == self.quantum:
            self.running = None
            return job
        return None

    def _admit(self, now: int, woken: list[Job]) -> None:
        """Load arrived jobs into memory while there is room (a job that completes frees its place)."""
        while self.not_admitted and self.not_admitted[0].arrival <= now and (
            self.memory is None or self.in_memory < self.memory
        ):
            self.in_memory += 1
            self._next_phase(self.not_admitted.popleft(), now, woken)

    def _next_phase(self, job: Job, now: int, woken: list[Job]) -> None:
        """Drop the phase the job has just finished, if any, and start the next one (or complete the job)."""
        phases = self.left[job.name]
        if phases and phases[0][1] == 0:
            phases.popleft()
        if not phases:
            self.completion[job.name] = now
            self.in_memory -= 1
        elif phases[0][0] == CPU:
            woken.append(job)
        else:
            self.in_io.append(job)

    def _advance(self, tick: int) -> None:
        """Spend one tick: the running job computes, every job in I/O progresses on its own device."""
        working = ([(self.running, CPU)] if self.running else []) + [(job, IO) for job in self.in_io]
        for job, kind in working:
            self.left[job.name][0][1] -= 1
            self.busy.append((tick, job.name, kind))
        self.used += 1


def _segments(busy: list[tuple[int, str, str]]) -> tuple[Segment, ...]:
    """Merge consecutive busy ticks of the same job and kind into segments, ordered by start."""
    segments: list[Segment] = []
    last: dict[tuple[str, str], int] = {}  # (job, kind) -> index of its latest segment
    for tick, name, kind in busy:
        index = last.get((name, kind))
        if index is not None and segments[index].end == tick:
            segments[index] = replace(segments[index], end=tick + 1)
        else:
            last[(name, kind)] = len(segments)
            segments.append(Segment(name, kind, tick, tick + 1))
    return tuple(sorted(segments, key=lambda s: (s.start, s.kind, s.job)))


def batch(jobs: Iterable[Job]) -> Schedule:
    """Uniprogrammed batch: jobs run one after another in arrival order, each alone in memory."""
    return _Simulation(jobs, memory=1, quantum=None).run("uniprogrammed batch")


def multiprogramming(jobs: Iterable[Job]) -> Schedule:
    """Multiprogramming: all arrived jobs in memory; the CPU switches only when the running job starts I/O."""
    return _Simulation(jobs, memory=None, quantum=None).run("multiprogramming")


def time_sharing(jobs: Iterable[Job], quantum: int) -> Schedule:
    """Time-sharing: round-robin with this quantum, and a switch whenever the running job starts I/O."""
    if quantum < 1:
        raise ValueError("the quantum must be at least one tick")
    return _Simulation(jobs, memory=None, quantum=quantum).run(f"time-sharing (quantum {quantum})")


def round_robin_deadlines(tasks: Iterable[Task], quantum: int) -> Schedule:
    """Round-robin over real-time tasks: fair to every task, and blind to their deadlines."""
    tasks = list(tasks)
    schedule = time_sharing([task.as_job() for task in tasks], quantum)
    return replace(schedule, deadlines={task.name: task.deadline for task in tasks})


def earliest_deadline_first(tasks: Iterable[Task]) -> Schedule:
    """Preemptive EDF: at every tick, run the released, unfinished task whose deadline is nearest.

    Ties go to the earlier release, then to the name, so the schedule is deterministic.
    """
    tasks = sorted(tasks, key=lambda task: (task.release, task.name))
    left = {task.name: task.execution for task in tasks}
    completion = {task.name: task.release for task in tasks if task.execution == 0}
    first_run: dict[str, int] = {}
    busy: list[tuple[int, str, str]] = []
    tick = 0
    while len(completion) < len(tasks):
        ready = [task for task in tasks if task.release <= tick and task.name not in completion]
        if ready:
            task = min(ready, key=lambda task: (task.deadline, task.release, task.name))
            first_run.setdefault(task.name, tick)
            busy.append((tick, task.name, CPU))
            left[task.name] -= 1
            if left[task.name] == 0:
                completion[task.name] = tick + 1
        tick += 1
    jobs = tuple(task.as_job() for task in tasks)
    deadlines = {task.name: task.deadline for task in tasks}
    return Schedule("earliest deadline first", jobs, _segments(busy), completion, first_run, deadlines)


def missed_deadlines(tasks: Iterable[Task], segments: Iterable[Segment]) -> list[str]:
    """Names, in order, of the tasks that had less CPU time than they need by their deadline.

    Works on any list of segments, also one cut short or drawn by hand: a task that never ran, or never
    finished, has missed its deadline too.
    """
    tasks = list(tasks)
    deadline = {task.name: task.deadline for task in tasks}
    on_time: Counter[str] = Counter()
    for s in segments:
        if s.kind == CPU and s.job in deadline:
            on_time[s.job] += max(0, min(s.end, deadline[s.job]) - s.start)
    return sorted(task.name for task in tasks if on_time[task.name] < task.execution)


def job_mix(count: int, io_share: float, rounds: int = 3) -> list[Job]:
    """``count`` jobs A, B, C, … arriving one tick apart, each ``rounds`` CPU bursts with I/O between.

    I/O takes about ``io_share`` of each job's time (0: CPU-bound, 0.8: I/O-bound). CPU bursts differ
    from job to job so that the jobs do not move in lockstep. No randomness, so that a figure can be
    reproduced from its arguments.
    """
    if not 0 <= io_share < 1:
        raise ValueError("io_share must be at least 0 and less than 1")
    jobs = []
    for index in range(count):
        cpu = 2 + (3 * index) % 4
        io = round(cpu * io_share / (1 - io_share))
        jobs.append(Job(chr(ord("A") + index), index, (cpu, io) * (rounds - 1) + (cpu,)))
    return jobs


def speed_up_io(jobs: Iterable[Job], factor: int) -> list[Job]:
    """The same jobs with every I/O burst ``factor`` times shorter (rounded up).

    Models offline batch (脱机批处理): the satellite machine (卫星机) copies the slow card reader onto
    fast tape beforehand, so the main machine's I/O only ever waits for tape.
    """
    def faster(index: int, burst: int) -> int:
        return burst if index % 2 == 0 else -(-burst // factor)

    return [replace(job, bursts=tuple(faster(i, b) for i, b in enumerate(job.bursts))) for job in jobs]


_STYLE = {CPU: {"color": "tab:blue", "label": "CPU"}, IO: {"color": "tab:orange", "hatch": "//", "label": "I/O"}}


def plot_schedule(schedule: Schedule, ax) -> None:
    """Draw ``schedule`` on ``ax``: one row per job (first arrival on top), CPU and I/O bars, arrivals,
    and for real-time tasks their deadlines; the title sums up the run."""
    row = {job.name: index for index, job in enumerate(schedule.jobs)}
    for kind, style in _STYLE.items():
        bars = [s for s in schedule.segments if s.kind == kind]
        if bars:  # an empty kind would still add a (wrongly coloured) legend entry
            ax.barh([row[s.job] for s in bars], [s.end - s.start for s in bars], left=[s.start for s in bars],
                    height=0.6, edgecolor="white", **style)
    ax.plot([job.arrival for job in schedule.jobs], list(row.values()), "k>", markersize=5, clip_on=False,
            label="arrival")
    if schedule.deadlines:
        ax.plot(list(schedule.deadlines.values()), [row[name] for name in schedule.deadlines], "r|",
                markersize=18, markeredgewidth=2.5, label="deadline")
        missed = ", ".join(schedule.missed) or "none"
        ax.set_title(f"{schedule.mode}: missed deadlines: {missed}", loc="left")
    else:
        ax.set_title(f"{schedule.mode}: all done at t={schedule.makespan}, "
                     f"CPU busy {schedule.cpu_utilisation:.0%} of the time", loc="left")
    ax.set_yticks(list(row.values()), list(row))
    ax.set_ylim(len(row) - 0.5, -0.5)
    ax.set_xlim(left=0)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("time (ticks)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")


def plot_comparison(schedules: Iterable[Schedule]) -> Figure:
    """One timeline per schedule, stacked on a shared time axis so that their lengths compare at a glance."""
    schedules = list(schedules)
    rows = max(len(s.jobs) for s in schedules)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, len(schedules) * (0.9 + 0.35 * rows)), layout="constrained")
    axes = fig.subplots(len(schedules), 1, sharex=True, squeeze=False)[:, 0]
    for schedule, ax in zip(schedules, axes, strict=True):
        plot_schedule(schedule, ax)
        ax.label_outer()  # one time axis, at the bottom
    for ax in axes[1:]:
        ax.get_legend().remove()  # the first legend serves them all
    return fig
