"""A clock for time bounds that a busy machine does not shorten: it does not count the time the measured
processes were ready to run but waiting for a CPU.

A check bounds student code in time so that a hang fails within seconds. With a wall clock, that bound is
a bet on the machine's load: on two cores grading eight notebooks at once, a correct answer that needs one
second of CPU may get a tenth of a core and overrun a five-second bound, and its grade would depend on what
else the grader was doing. Linux records, for every thread, how long it has waited in the run queue
(``/proc/<pid>/task/<tid>/schedstat``, second field). ``FairClock`` subtracts that wait, summed over every
thread of a process and of all its descendants, from the wall time: what is left is time in which the code
was running, or chose to wait (a lock, a sleep, a pipe). A deadlock, which waits without being kept from
running, is therefore caught as fast as on a quiet machine; code that runs is given the time it was denied.

The sum over threads can exceed the time the group as a whole was held up (two threads waiting at once), so
the clock may run slow; it runs fast only by what descendants were held up before its first sample (a poll
after creation) and between samples (at most half a second): a descendant counts with what its samples saw. So
that a hang is still bounded on a machine that never lets up, the clock always runs at least ``1 /
MAX_STRETCH`` as fast as the wall clock. Without ``/proc`` (macOS) it is the wall clock.
"""
from __future__ import annotations

import os
from time import monotonic as _monotonic  # the real clock, even where a check has made time virtual

from course import proc_stat

__all__ = ["MAX_STRETCH", "FairClock"]

MAX_STRETCH = 10.0  # a bound of s seconds ends after at most MAX_STRETCH * s seconds of wall time
# The threads' waits are read again once a tenth of the time since creation has passed, at least 20 ms and at
# most half a second apart: between two reads the clock runs like the wall clock, so it is never more than that
# ahead, and a long wait costs few reads of the process table.
_SAMPLE_SHARE, _SAMPLE_SECONDS, _SAMPLE_MAX_SECONDS = 0.1, 0.02, 0.5


class FairClock:
    """Seconds since creation that the process ``root`` (default: this one) and its descendants were not kept
    from running by the machine's load (see the module docstring)."""

    def __init__(self, root: int | None = None) -> None:
        self.root = os.getpid() if root is None else root
        self._started = _monotonic()
        # Thread id → its run-queue wait (ns) when first seen, and when last seen. Creation reads only the root's
        # own threads, which is cheap; the descendants, which may take a read of the whole process table (a fork
        # storm leaves hundreds), are first read at the first sample, a poll later: most bounded calls end sooner.
        self._first: dict[int, int] = _thread_waits(self.root)
        self._last: dict[int, int] = dict(self._first)
        self._sampled: float | None = None

    def elapsed(self) -> float:
        """Seconds of wall time since creation, less the run-queue wait of the group's threads meanwhile."""
        now = _monotonic()
        if self._sampled is None or now - self._sampled >= _sample_gap(now - self._started):
            first_sample, self._sampled = self._sampled is None, now
            for tid, wait in self._waits().items():
                # A thread first seen now existed at creation (first sample) or was born since (later ones).
                self._first.setdefault(tid, wait if first_sample else 0)
                self._last[tid] = wait
        wall = now - self._started
        held_up = sum(max(0, self._last[t] - self._first[t]) for t in self._last) / 1e9  # a reused id: 0
        return max(wall - held_up, wall / MAX_STRETCH)

    def _waits(self) -> dict[int, int]:
        """Run-queue wait in ns of every thread of ``root`` and its descendants, by thread id."""
        waits: dict[int, int] = {}
        for pid in _tree(self.root):
            waits |= _thread_waits(pid)
        return waits


def _thread_waits(pid: int) -> dict[int, int]:
    """Run-queue wait in ns of every thread of process ``pid``, by thread id (empty if it is gone)."""
    waits: dict[int, int] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return waits
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as stat:
                waits[int(tid)] = int(stat.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return waits


def _sample_gap(age: float) -> float:
    return min(_SAMPLE_MAX_SECONDS, max(_SAMPLE_SECONDS, _SAMPLE_SHARE * age))


def _tree(root: int) -> list[int]:
    """``root`` and its live descendants (empty without /proc)."""
    if root == os.getpid() and not _has_children():
        return [root]  # the common case of a check of threads: no need to read the whole process table
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        if (stat := proc_stat.read(entry)) is not None:
            children.setdefault(stat[1], []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _has_children() -> bool:
    """Whether this process has a child, ended or not (without collecting it)."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True
