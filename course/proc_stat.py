"""What Linux's ``/proc/<pid>/stat`` says of a process: its state and its parent.

Three parts of the course read it: the fair clock (to find a process's descendants), the check for leftover
processes, and the sandbox's clean-up (which must not wait for processes that have already exited).
"""
from __future__ import annotations

__all__ = ["exited", "read"]


def read(pid: int | str) -> tuple[str, int] | None:
    """(state letter, parent pid) of ``pid``, or None when it is gone or there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()  # the name in (…) may hold spaces and parentheses
    except (OSError, IndexError):
        return None
    return fields[0].decode(), int(fields[1])


def exited(state: str) -> bool:
    """Whether a process in ``state`` has ended and only waits to be reaped (a zombie): it runs nothing."""
    return state in ("Z", "X")
