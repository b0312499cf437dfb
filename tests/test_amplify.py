"""course.amplify: forced races lose updates every time without a lock and never with one;
watched locks turn a lock-ordering deadlock into an exception."""
from __future__ import annotations

import threading

import pytest

from course.amplify import DeadlockSuspected, Rendezvous, WatchedLock, amplify_int_attributes, locks_held


class Unsafe:
    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        self.value += 1


class Safe(Unsafe):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def increment(self) -> None:
        with self.lock:
            self.value += 1


def _hammer(counter: Unsafe, threads: int = 2, each: int = 3) -> int:
    start = threading.Barrier(threads)

    def work() -> None:
        start.wait()
        for _ in range(each):
            counter.increment()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
    return counter.value


@pytest.mark.parametrize("attempt", range(5))
def test_an_unlocked_counter_loses_updates_every_time(attempt: int) -> None:
    assert _hammer(amplify_int_attributes(Unsafe(), Rendezvous(0.2))) < 6


@pytest.mark.parametrize("attempt", range(3))
def test_a_locked_counter_never_does(attempt: int) -> None:
    assert _hammer(amplify_int_attributes(Safe(), Rendezvous(0.05))) == 6


def test_amplified_object_keeps_its_class_name_and_behaviour() -> None:
    counter = amplify_int_attributes(Safe(), Rendezvous(0.01))
    counter.increment()
    assert type(counter).__name__ == "Safe" and isinstance(counter, Safe) and counter.value == 1


def test_opposite_lock_order_deadlock_becomes_an_exception() -> None:
    meet = Rendezvous(0.5)
    a, b = WatchedLock("a", meet, give_up_after=0.5), WatchedLock("b", meet, give_up_after=0.5)
    errors: list[BaseException] = []

    def take(first: WatchedLock, second: WatchedLock) -> None:
        try:
            with first, second:
                pass
        except DeadlockSuspected as exc:
            errors.append(exc)

    threads = [threading.Thread(target=take, args=pair) for pair in ((a, b), (b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert not any(t.is_alive() for t in threads)
    assert errors and "waited 0.5 s" in str(errors[0])


def test_watched_lock_records_what_the_thread_holds() -> None:
    a, b = WatchedLock("a"), WatchedLock("b")
    with a, b:
        assert locks_held() == [a, b] and a.owner is threading.current_thread()
    assert locks_held() == [] and not a.locked()
    with pytest.raises(RuntimeError):
        a.release()
