"""Checks for the exercises of Chapter 4 (threads): SafeCounter, run_pipeline, ThreadPool, transfer.

Each public function checks one property, bounds every call into student code in time
(course.bounded), leaves no thread behind, and fails with a sentence that says what to fix.
Races and deadlocks are forced with course.amplify, so a verdict is the same on every run.
"""
from __future__ import annotations

import collections
import functools
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from course.amplify import DeadlockSuspected, Rendezvous, WatchedLock, amplify_int_attributes, locks_held
from course.bounded import call_within, no_leftover_threads
from course.workloads import Account

SECONDS = 5  # bound on any one call into student code


def _run_threads(target: Callable[[], None], n: int, seconds: float = SECONDS) -> list[BaseException]:
    """Run ``target`` in ``n`` threads that start together; return the exceptions they raised."""
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def body() -> None:
        try:
            start.wait(timeout=seconds)
            target()
        except BaseException as exc:  # noqa: BLE001 -- reported to the check
            errors.append(exc)

    threads = [threading.Thread(target=body, name=f"check-{i}", daemon=True) for i in range(n)]

    def run_all() -> None:
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    call_within(seconds, run_all)
    return errors


# --------------------------------------------------------------------------- Exercise: SafeCounter

def _counter_value(counter: Any) -> int:
    value = counter.value
    assert type(value) is int, f"SafeCounter().value should be an int, but it is {type(value).__name__}."
    return value


def _count(SafeCounter: type, threads: int, increments: int, rendezvous: Rendezvous | None = None) -> int:
    """Let ``threads`` threads, started together, increment one new counter; return its final value."""
    with no_leftover_threads():
        counter = call_within(SECONDS, SafeCounter)
        assert _counter_value(counter) == 0, "A new SafeCounter should start at 0."
        if rendezvous is not None:
            amplify_int_attributes(counter, rendezvous)

        def work() -> None:
            for _ in range(increments):
                counter.increment()

        errors = _run_threads(work, threads)
    assert not errors, f"increment() raised {errors[0]!r}."
    return _counter_value(counter)


def counter_counts_correctly(SafeCounter: type, threads: int = 4, increments: int = 2000) -> None:
    """Many threads each increment one counter; the value must be the exact total."""
    got, expected = _count(SafeCounter, threads, increments), threads * increments
    assert got == expected, f"{threads} threads × {increments} increments should give {expected}, got {got}."


def counter_survives_forced_race(SafeCounter: type, threads: int = 2, increments: int = 2) -> None:
    """Hold every thread inside its read–modify–write until another arrives; no update may be lost.

    Unsynchronised code, a lock created inside increment(), or a lock around only the read or only
    the write all lose an update here on every run; a lock held around the whole update never does.
    """
    got = _count(SafeCounter, threads, increments, Rendezvous(patience=0.2))
    expected = threads * increments
    assert got == expected, (
        f"With threads forced to interleave, {threads} threads × {increments} increments gave {got} "
        f"instead of {expected}: an update was lost. Two threads read the same old value and both wrote "
        f"it back plus one. Hold ONE lock, shared by all calls (made in __init__, not in increment), "
        f"around the whole read–modify–write: `with self._lock: self.value += 1`."
    )


# --------------------------------------------------------------------------- Exercise: run_pipeline

def _key(item: Any) -> tuple[str, str]:
    """A sortable identity for any item (0, False and None must stay distinct)."""
    return (type(item).__name__, repr(item))


def _call_pipeline(run_pipeline: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Any]:
    results = call_within(SECONDS, run_pipeline, *args, **kwargs)
    assert results is not None, "run_pipeline should return the list of results, but it returned None."
    return list(results)


def pipeline_processes_every_item_once(run_pipeline: Callable[..., Any]) -> None:
    """Every item, falsy ones included, is processed exactly once, from a list and from a generator."""
    items = [0, None, "", False, 0.0, (), "x", 1, 1, 2] + list(range(10, 30))
    for source, label in ((lambda: list(items), "a list"), (lambda: (i for i in items), "a generator")):
        with no_leftover_threads():
            results = _call_pipeline(run_pipeline, source(), lambda x: ("seen", x), n_consumers=3, maxsize=2)
        got = sorted(_key(r[1]) if isinstance(r, tuple) and len(r) == 2 else _key(r) for r in results)
        want = sorted(_key(i) for i in items)
        missing = collections.Counter(want) - collections.Counter(got)
        extra = collections.Counter(got) - collections.Counter(want)
        assert not missing and not extra, (
            f"With items from {label}, the results do not match one call of worker per item. "
            f"Missing: {[v for _, v in missing.elements()][:5]}; unexpected or repeated: "
            f"{[v for _, v in extra.elements()][:5]}. Falsy items such as 0, None or '' are items too: "
            f"stop at a unique sentinel object (`STOP = object()`, then `if item is STOP`)."
        )


def pipeline_consumers_run_concurrently(run_pipeline: Callable[..., Any], n_consumers: int = 3) -> None:
    """Each worker call waits until ``n_consumers`` calls are running at once."""
    together = threading.Barrier(n_consumers, timeout=2)
    alone: list[str] = []

    def worker(item: Any) -> Any:
        try:
            together.wait()
        except threading.BrokenBarrierError:
            alone.append(threading.current_thread().name)
        return item

    with no_leftover_threads():
        _call_pipeline(run_pipeline, list(range(n_consumers)), worker, n_consumers=n_consumers, maxsize=2)
    assert not alone, (
        f"With n_consumers={n_consumers}, {n_consumers} slow worker calls should run at the same time, "
        f"but they did not: start all consumer threads before joining any of them, and let each take "
        f"items from the shared queue."
    )


def pipeline_applies_back_pressure(run_pipeline: Callable[..., Any], n_consumers: int = 2, maxsize: int = 2) -> None:
    """The producer never runs more than a bounded queue's worth ahead of the consumers."""
    state = {"produced": 0, "started": 0, "worst": 0}
    lock = threading.Lock()

    def items() -> Iterator[int]:
        for i in range(30):
            with lock:
                state["worst"] = max(state["worst"], state["produced"] - state["started"])
                state["produced"] += 1
            yield i

    def worker(item: int) -> int:
        with lock:
            state["started"] += 1
        time.sleep(0.01)
        return item

    with no_leftover_threads():
        _call_pipeline(run_pipeline, items(), worker, n_consumers=n_consumers, maxsize=maxsize)
    allowed = maxsize + n_consumers + 1
    assert state["worst"] <= allowed, (
        f"The producer ran {state['worst']} items ahead of the workers, but a queue.Queue(maxsize={maxsize}) "
        f"shared with {n_consumers} consumers allows at most {allowed}. Read the items one by one in the "
        f"producer and put() them on a Queue(maxsize): put blocks while the queue is full."
    )


_POLLING = ("qsize", "empty", "full", "get_nowait")


def _polls(name: str, args: tuple, kwargs: dict) -> bool:
    """Whether a call of queue.Queue.<name> is a poll rather than a blocking wait."""
    if name in _POLLING:
        return True
    block = kwargs.get("block", args[0] if args else True)
    timeout = kwargs.get("timeout", args[1] if len(args) > 1 else None)
    return block is False or timeout is not None


def _install_queue_spy() -> dict[str, Any]:
    """Record polling calls on queue.Queue made by threads a check watches.

    Installed when this module is imported, so that the grading guard (course.grading.guard), armed after that
    import, takes the wrapped methods as the real ones.
    """
    spy: dict[str, Any] = {"watching": False, "ignored": set(), "calls": []}

    def wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def recorded(self: queue.Queue, *args: Any, **kwargs: Any) -> Any:
            if spy["watching"] and threading.current_thread() not in spy["ignored"] and _polls(name, args, kwargs):
                spy["calls"].append(f"{name}()" if name in _POLLING else "get(block=False or timeout=…)")
            return method(self, *args, **kwargs)

        return recorded

    for name in _POLLING + ("get",):
        setattr(queue.Queue, name, wrap(name, getattr(queue.Queue, name)))
    return spy


_QUEUE_SPY = _install_queue_spy()


def pipeline_stops_without_polling(run_pipeline: Callable[..., Any]) -> None:
    """Consumers block on get() and stop at a sentinel: no polling, little CPU, a prompt return."""
    spy = _QUEUE_SPY
    spy["calls"].clear()
    spy["ignored"] = set(threading.enumerate())
    last_done = [0.0]

    def slow_items() -> Iterator[int]:
        for i in range(4):
            time.sleep(0.1)
            yield i

    def worker(item: int) -> int:
        last_done[0] = time.monotonic()
        return item

    def called_here(*args: Any, **kwargs: Any) -> Any:
        spy["ignored"].add(threading.current_thread())  # the caller may use the queue's API freely
        return run_pipeline(*args, **kwargs)

    spy["watching"] = True
    cpu_before = time.process_time()
    try:
        with no_leftover_threads():
            _call_pipeline(called_here, slow_items(), worker, n_consumers=3, maxsize=2)
        returned = time.monotonic()
    finally:
        spy["watching"] = False
    cpu = time.process_time() - cpu_before
    assert not spy["calls"], (
        f"The consumers poll the queue ({', '.join(sorted(set(spy['calls'])))}). A consumer should "
        f"block in q.get() and leave its loop when it takes a sentinel; qsize()/empty() can be stale the "
        f"moment they return."
    )
    assert cpu < 0.25, (
        f"While waiting 0.4 s for a slow producer the pipeline used {cpu:.2f} s of CPU: some thread is "
        f"busy-waiting. Block in q.get() instead of looping."
    )
    lag = returned - last_done[0]
    assert lag < 0.5, f"run_pipeline returned {lag:.2f} s after the last item was done; it should end at once."


# --------------------------------------------------------------------------- Exercise: ThreadPool

def _pool(ThreadPool: type, max_workers: int) -> Any:
    return call_within(SECONDS, ThreadPool, max_workers)


def _shutdown(pool: Any) -> None:
    call_within(SECONDS, pool.shutdown, wait=True)


def pool_returns_results(ThreadPool: type) -> None:
    """submit().result() gives the value or re-raises; map keeps the input order."""
    with no_leftover_threads():
        pool = _pool(ThreadPool, 3)
        try:
            future = pool.submit(pow, 2, 10)
            assert call_within(SECONDS, future.result) == 1024, "submit(pow, 2, 10).result() should be 1024."
            kw = pool.submit(int, "ff", base=16)
            assert call_within(SECONDS, kw.result) == 255, "submit must pass keyword arguments to the task."
            failing = pool.submit(int, "not a number")
            try:
                call_within(SECONDS, failing.result)
            except ValueError:
                pass
            else:
                raise AssertionError("result() of a task that raised ValueError should re-raise that ValueError.")
            numbers = list(range(20))
            mapped = call_within(SECONDS, lambda: list(pool.map(lambda x: (time.sleep(0.001 * (x % 3)), x * x)[1], numbers)))
            assert mapped == [x * x for x in numbers], f"map(f, items) should give results in input order, got {mapped}."
        finally:
            _shutdown(pool)


def pool_respects_max_workers(ThreadPool: type, max_workers: int = 3) -> None:
    """Blocking tasks overlap up to max_workers, and never more run at once."""
    together = threading.Barrier(max_workers, timeout=2)
    state = {"running": 0, "peak": 0, "alone": 0}
    lock = threading.Lock()

    def task() -> None:
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
        try:
            together.wait()
        except threading.BrokenBarrierError:
            with lock:
                state["alone"] += 1
        time.sleep(0.02)
        with lock:
            state["running"] -= 1

    with no_leftover_threads():
        pool = _pool(ThreadPool, max_workers)
        try:
            futures = [pool.submit(task) for _ in range(3 * max_workers)]
            for f in futures:
                call_within(SECONDS, f.result)
        finally:
            _shutdown(pool)
    assert state["peak"] <= max_workers, (
        f"ThreadPool({max_workers}) ran {state['peak']} tasks at once; it must never run more than max_workers."
    )
    assert not state["alone"], (
        f"ThreadPool({max_workers}) did not run {max_workers} blocking tasks at the same time: the workers "
        f"must take tasks concurrently (does a worker hold a lock while it runs a task?)."
    )


def pool_reuses_its_workers(ThreadPool: type, max_workers: int = 2) -> None:
    """Tasks run on at most max_workers threads, owned by the pool, that survive a failing task."""
    seen: set[threading.Thread] = set()
    runners: set[str] = set()  # modules whose code started the threads the tasks ran on
    lock = threading.Lock()

    def where() -> threading.Thread:
        thread = threading.current_thread()
        with lock:
            seen.add(thread)
            runners.add(getattr(getattr(thread, "_target", None), "__module__", None) or "")
        return thread

    def boom() -> None:
        raise KeyError("task failure")

    with no_leftover_threads():
        pool = _pool(ThreadPool, max_workers)
        try:
            for f in [pool.submit(boom) for _ in range(max_workers)]:
                try:
                    call_within(SECONDS, f.result)
                except KeyError:
                    pass
            for f in [pool.submit(where) for _ in range(20)]:
                call_within(SECONDS, f.result)
        finally:
            _shutdown(pool)
    assert not runners & {"concurrent.futures.thread", "multiprocessing.pool"}, (
        "The tasks ran on threads of concurrent.futures.ThreadPoolExecutor (or multiprocessing's pool): "
        "the exercise is to build the pool yourself from threading.Thread and queue.Queue."
    )
    assert threading.current_thread() not in seen, "Tasks must run on the pool's worker threads, not on the caller's."
    assert len(seen) <= max_workers, (
        f"22 tasks on ThreadPool({max_workers}) ran on {len(seen)} different threads: start max_workers "
        f"worker threads once and let each take task after task from a queue (and keep a worker alive "
        f"when its task raises: catch the exception and store it for result())."
    )


def pool_idles_without_burning_cpu(ThreadPool: type) -> None:
    """An idle pool's workers block; they do not spin."""
    with no_leftover_threads():
        pool = _pool(ThreadPool, 2)
        try:
            call_within(SECONDS, pool.submit(abs, -1).result)
            cpu_before = time.process_time()
            time.sleep(0.5)
            cpu = time.process_time() - cpu_before
        finally:
            _shutdown(pool)
    assert cpu < 0.2, (
        f"An idle ThreadPool(2) used {cpu:.2f} s of CPU in 0.5 s: its workers are busy-waiting. "
        f"Let them block in queue.get()."
    )


def pool_shuts_down_cleanly(ThreadPool: type) -> None:
    """shutdown(wait=True) runs every submitted task and ends every worker; submit afterwards raises."""
    done: list[int] = []
    workers: set[threading.Thread] = set()

    def slow(i: int) -> None:
        workers.add(threading.current_thread())
        time.sleep(0.05)
        done.append(i)

    with no_leftover_threads(grace=0.2):
        pool = _pool(ThreadPool, 2)
        for i in range(6):
            pool.submit(slow, i)
        _shutdown(pool)
        assert sorted(done) == list(range(6)), (
            f"shutdown(wait=True) returned after {len(done)} of 6 submitted tasks had run; it must wait for all."
        )
        still = [t.name for t in workers if t.is_alive()]
        assert not still, f"shutdown(wait=True) returned while workers {still} were still running; join them."
        try:
            pool.submit(abs, -1)
        except RuntimeError:
            pass
        else:
            raise AssertionError("submit() after shutdown() should raise RuntimeError.")


def pool_is_a_context_manager(ThreadPool: type) -> None:
    """`with ThreadPool(n) as pool:` returns the pool and shuts it down, waiting, at the end."""
    done: list[int] = []
    with no_leftover_threads(grace=0.2):

        def use() -> None:
            with ThreadPool(2) as pool:
                assert pool is not None, "__enter__ should return the pool itself."
                for i in range(4):
                    pool.submit(lambda i=i: (time.sleep(0.03), done.append(i)))

        call_within(SECONDS, use)
    assert sorted(done) == [0, 1, 2, 3], "Leaving the with block should wait for all submitted tasks."


# --------------------------------------------------------------------------- Exercise: transfer

class _AuditedAccount(Account):
    """An Account whose balance may only change while the changing thread holds two account locks."""

    violations: list[str]

    @property  # type: ignore[override]
    def balance(self) -> int:
        return self._balance

    @balance.setter
    def balance(self, value: int) -> None:
        held = locks_held()
        if hasattr(self, "_balance") and (self.lock not in held or len(held) < 2):
            self.violations.append(f"{threading.current_thread().name} changed account {self.number} holding {held}")
        self._balance = value


def _accounts(n: int, rendezvous: Rendezvous | None) -> list[_AuditedAccount]:
    violations: list[str] = []
    accounts = []
    for number in range(n):
        account = _AuditedAccount(number, 100, WatchedLock(f"account {number}'s lock", rendezvous))
        account.violations = violations
        accounts.append(account)
    return accounts


def _opposite_transfers(transfer: Callable[..., Any], accounts: list[_AuditedAccount], rounds: int) -> list[BaseException]:
    a, b = accounts[0], accounts[1]
    directions = iter([(a, b), (b, a)])
    lock = threading.Lock()

    def work() -> None:
        with lock:
            source, target = next(directions)
        for _ in range(rounds):
            transfer(source, target, 7)

    return _run_threads(work, 2)


def transfer_moves_money_atomically(transfer: Callable[..., Any]) -> None:
    """Money is conserved and balances change only while both accounts' locks are held."""
    with no_leftover_threads():
        accounts = _accounts(2, None)
        call_within(SECONDS, transfer, accounts[0], accounts[1], 30)
        assert (accounts[0].balance, accounts[1].balance) == (70, 130), (
            f"transfer(a, b, 30) from 100/100 should leave 70/130, got {accounts[0].balance}/{accounts[1].balance}."
        )
        accounts = _accounts(2, None)
        errors = _opposite_transfers(transfer, accounts, rounds=200)
    assert not errors, f"transfer raised {errors[0]!r}."
    total = sum(acc.balance for acc in accounts)
    assert total == 200, f"After concurrent transfers the total is {total}, not 200: money was created or lost."
    violations = accounts[0].violations
    assert not violations, (
        "A balance changed while its thread did not hold BOTH accounts' locks "
        f"({violations[0]}). Take both locks, then move the money, then release them."
    )


def transfer_never_deadlocks(transfer: Callable[..., Any]) -> None:
    """Two threads transferring in opposite directions, paused after each lock they take, finish."""
    with no_leftover_threads(grace=3):
        accounts = _accounts(2, Rendezvous(patience=0.2))
        errors = _opposite_transfers(transfer, accounts, rounds=3)
    deadlocks = [e for e in errors if isinstance(e, DeadlockSuspected)]
    assert not deadlocks, (
        f"Deadlock (死锁): {deadlocks[0]}. One thread locked a then waited for b while the other locked b "
        f"and waited for a. Always take the two locks in one global order, e.g. by account.number."
    )
    assert not errors, f"transfer raised {errors[0]!r}."
    assert sum(acc.balance for acc in accounts) == 200, "Transfers in opposite directions created or lost money."
