"""Make the races and deadlocks the course teaches happen every time, so a check can rely on them.

Since CPython 3.10 a thread switch happens only at calls and backward jumps, so a bare
``self.value += 1`` almost never loses an update in a plain stress test, though nothing guarantees it.
Instead of hoping for an unlucky switch, we *hold* a thread inside its read–modify–write until another
thread arrives there too (a rendezvous). Unsynchronised code then loses an update on the first
increment; code that holds a lock keeps the other threads out, the rendezvous times out after a short
``patience``, and the result stays right. The same trick holds a thread after it takes its first lock,
so two threads that lock in opposite orders deadlock on every run, and locks that give up after a
bound turn that deadlock into an exception instead of a hung grader.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["Rendezvous", "amplify_int_attributes", "DeadlockSuspected", "WatchedLock", "locks_held"]

T = TypeVar("T")


class Rendezvous:
    """A pause point: a thread that reaches it waits until another thread reaches it too.

    ``patience`` bounds the wait: when no other thread can arrive (because the caller holds a lock
    they need) the caller goes on after ``patience`` seconds, which is all that correct code pays.
    """

    def __init__(self, patience: float = 0.1) -> None:
        self.patience = patience
        self._arrived = threading.Condition()
        self._arrivals = 0

    def pause(self) -> None:
        """Count this arrival, wake the threads waiting here, and wait for the next arrival."""
        with self._arrived:
            self._arrivals += 1
            mine = self._arrivals
            self._arrived.notify_all()
            self._arrived.wait_for(lambda: self._arrivals > mine, timeout=self.patience)


def amplify_int_attributes(obj: T, rendezvous: Rendezvous | Callable[[str], None]) -> T:
    """Make every read and write of an int attribute of ``obj`` pause at ``rendezvous``.

    A read pauses *after* fetching the value and a write *before* storing it, which widens both halves
    of a read–modify–write. Works for plain attributes, properties and ``__slots__``; returns ``obj``.
    ``rendezvous`` may instead be a function, called with what happens (``"read value=0"``): a switch
    point of course.interleave's scheduler, so that its schedules show the reads and writes.
    """
    cls = type(obj)
    pause = rendezvous if callable(rendezvous) else lambda label: rendezvous.pause()

    class Amplified(cls):  # type: ignore[valid-type, misc]
        __slots__ = ()

        def __getattribute__(self, name: str) -> Any:
            value = super().__getattribute__(name)
            if type(value) is int and not name.startswith("__"):
                pause(f"read {name}={value}")
            return value

        def __setattr__(self, name: str, value: Any) -> None:
            if type(value) is int:
                pause(f"write {name}={value}")
            super().__setattr__(name, value)

    Amplified.__name__ = Amplified.__qualname__ = cls.__name__
    obj.__class__ = Amplified
    return obj


class DeadlockSuspected(RuntimeError):
    """A WatchedLock waited longer than any correct program would."""


_held = threading.local()


def locks_held() -> list[WatchedLock]:
    """The WatchedLocks the calling thread holds now, in the order it took them."""
    return list(getattr(_held, "locks", []))


class WatchedLock:
    """A Lock that records who holds it, pauses after each acquire, and never waits forever.

    The pause after an acquire (at a shared Rendezvous) lets another thread take *its* first lock,
    so a lock-ordering bug deadlocks every time; a blocking acquire that waits more than
    ``give_up_after`` seconds raises DeadlockSuspected instead of hanging, which also lets the
    threads involved end.
    """

    def __init__(self, name: str, rendezvous: Rendezvous | None = None, give_up_after: float | None = 2.0) -> None:
        self.name = name
        self._lock = threading.Lock()
        if hasattr(self._lock, "name"):  # a course.interleave lock: its deadlock reports name it so
            self._lock.name = name
        self._rendezvous = rendezvous
        self._give_up_after = give_up_after
        self.owner: threading.Thread | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Like Lock.acquire, but a wait without a timeout gives up after ``give_up_after`` seconds (if set)."""
        if blocking and timeout < 0 and self._give_up_after is None:
            self._lock.acquire()
        elif blocking and timeout < 0:
            if not self._lock.acquire(timeout=self._give_up_after):
                holder = self.owner.name if self.owner else "another thread"
                raise DeadlockSuspected(
                    f"{threading.current_thread().name!r} waited {self._give_up_after:g} s for {self.name}, "
                    f"held by {holder!r}"
                )
        elif not self._lock.acquire(blocking, timeout):
            return False
        self.owner = threading.current_thread()
        _held.locks = locks_held() + [self]
        if self._rendezvous is not None:
            self._rendezvous.pause()
        return True

    def release(self) -> None:
        """Release the lock; releasing a lock this thread does not hold is an error, as for Lock."""
        held = locks_held()
        if self not in held:
            raise RuntimeError(f"release of {self.name}, which this thread does not hold")
        held.remove(self)
        _held.locks = held
        self.owner = None
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<WatchedLock {self.name}>"
