"""Importable workloads for the notebooks and the checks.

Worker functions live in a module, not in a notebook cell, so that they also work in processes started
with spawn or forkserver, which import their target by name.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import multiprocessing
import multiprocessing.process
import multiprocessing.queues
import os
import queue
import random
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import shared_memory
from pathlib import Path
from typing import Any

__all__ = ["Account", "sleepy_square",
           "MARK", "WRITES", "worker", "channel", "nothing", "creation_costs", "append_and_report", "report_mark",
           "read_environment_later", "write_everywhere", "who_sees_what", "echo", "report_start_state",
           "count_primes", "spin", "sha256_of_zeros", "compress_pattern", "sum_of_range", "sort_bytes", "wait_at"]


@dataclass(eq=False)
class Account:
    """A bank account guarded by its own lock (the lock-ordering exercise of Chapter 4).

    ``number`` is unique and gives every account a place in a global lock order.
    """

    number: int
    balance: int
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def sleepy_square(x: float, seconds: float = 0.05) -> float:
    """Wait like an I/O call would, then return ``x * x``."""
    time.sleep(seconds)
    return x * x


# --- Chapter 2 (processes vs threads): who sees which write, and what a worker costs to create ----------

MARK = "set when course.workloads was imported"
"""A module global that Chapter 2's writers read and change: only code that shares their memory sees it change."""

ENVIRONMENT_NAME = "COURSE_WRITER_WAS_HERE"
WRITES = ("list", "global", "environ", "file", "inherited")


def worker(kind: str, target: Callable[..., Any], *args: Any) -> threading.Thread | multiprocessing.process.BaseProcess:
    """A not yet started thread (``kind="thread"``) or process (``kind`` a start method) that runs ``target(*args)``.

    One constructor for both, so that a cell can run the same experiment in each and compare.
    """
    if kind == "thread":
        return threading.Thread(target=target, args=args)
    return multiprocessing.get_context(kind).Process(target=target, args=args)


def channel(kind: str) -> queue.Queue | multiprocessing.queues.Queue:
    """A queue a worker of ``kind`` can send its answer through: a thread shares a queue.Queue, a process needs
    a multiprocessing queue (a pipe underneath), because it does not share the parent's memory."""
    return queue.Queue() if kind == "thread" else multiprocessing.get_context(kind).Queue()


def nothing() -> None:
    """Do nothing: a worker with this target costs only its creation, start and join."""


def creation_costs(kind: str, count: int) -> list[float]:
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run :func:`nothing`.

    Chapter 2 draws its figure with it; its Exercise 2 asks for the same measurement, written by hand.
    """
    costs = []
    for _ in range(count):
        begin = time.perf_counter()
        one = worker(kind, nothing)
        one.start()
        one.join()
        costs.append(time.perf_counter() - begin)
    return costs


def append_and_report(box: list, reply: Any) -> None:
    """Append to ``box``, then send back where this worker's ``box`` lives and what it holds."""
    box.append("the writer's item")
    reply.put((id(box), list(box)))


def report_mark(reply: Any) -> None:
    """Send back the value of :data:`MARK` this worker finds: it tells whether it started as a copy of its parent."""
    reply.put(MARK)


def report_start_state(reply: Any) -> None:
    """Send back what this worker started with: the :data:`MARK` it finds, its ``sys.path`` and its working
    directory. A spawn child shares none of its parent's memory, yet multiprocessing hands it the parent's
    ``sys.path`` and working directory, so that it can import what it runs (Chapter 2)."""
    reply.put((MARK, list(sys.path), os.getcwd()))


def echo(inbox: Any, outbox: Any) -> None:
    """Take one item from ``inbox`` and put it on ``outbox``: what comes back shows what crossing costs."""
    outbox.put(inbox.get())


def read_environment_later(name: str, seconds: float, reply: Any) -> None:
    """Wait ``seconds`` (meanwhile the parent changes its environment), then send back ``os.environ.get(name)``."""
    time.sleep(seconds)
    reply.put(os.environ.get(name))


def write_everywhere(box: list, folder: str, reply: Any) -> None:
    """Chapter 2's writer: send back the MARK it finds, then change a list, MARK, the environment and a file."""
    global MARK
    reply.put(MARK)
    box.append("the writer's item")
    MARK = "set by the writer"
    os.environ[ENVIRONMENT_NAME] = "set by the writer"
    Path(folder, "note.txt").write_text("the writer's note")


def who_sees_what(kind: str) -> dict[str, bool]:
    """Run :func:`write_everywhere` in a worker of ``kind``; say which of its writes the parent sees.

    Keys (:data:`WRITES`): "list", "global", "environ", "file" are True when the parent sees the writer's
    change to the list it was given, to MARK, to the environment, to a file; "inherited" is True when the
    writer found the MARK the parent had set just before starting it. MARK and the environment are restored.
    """
    global MARK
    box: list[str] = []
    reply = channel(kind)
    MARK = "set by the parent"
    try:
        with tempfile.TemporaryDirectory() as folder:
            writer = worker(kind, write_everywhere, box, folder, reply)
            writer.start()
            writer_found = reply.get(timeout=60)
            writer.join(60)
            return {
                "list": bool(box),
                "global": MARK == "set by the writer",
                "environ": ENVIRONMENT_NAME in os.environ,
                "file": Path(folder, "note.txt").exists(),
                "inherited": writer_found == "set by the parent",
            }
    finally:
        MARK = "set when course.workloads was imported"
        os.environ.pop(ENVIRONMENT_NAME, None)


# --- Chapter 3 (the GIL): work that holds the GIL, work that lets it go, and waiting ---------------------

def count_primes(limit: int) -> int:
    """Count the primes below ``limit`` by trial division, in pure Python: it holds the GIL but for switches."""
    return sum(all(n % d for d in range(2, math.isqrt(n) + 1)) for n in range(2, limit))


def spin(seconds: float) -> int:
    """Run a pure-Python loop for ``seconds``; return how many rounds it made. A CPU-bound thread or process."""
    rounds, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        rounds += 1
    return rounds


@functools.cache
def _one_mebibyte() -> bytes:
    return bytes(1 << 20)


def sha256_of_zeros(megabytes: int) -> str:
    """Hash ``megabytes`` MiB of zeros, one MiB at a time, as one hashes a file: hashlib lets go of the GIL
    while it hashes more than 2047 bytes. (One buffer, reused: allocating a fresh large one for every call
    would make threads queue for the page faults of the fresh memory rather than for the GIL.)"""
    digest = hashlib.sha256()
    for _ in range(megabytes):
        digest.update(_one_mebibyte())
    return digest.hexdigest()


def compress_pattern(megabytes: int) -> int:
    """zlib-compress ``megabytes`` MiB of a repeated pseudo-random pattern; zlib lets go of the GIL meanwhile."""
    pattern = random.Random(megabytes).randbytes(1 << 16)
    return len(zlib.compress(pattern * (megabytes << 4)))


def sum_of_range(n: int) -> int:
    """``sum(range(n))``: one call into C that keeps the GIL until it returns, however long it takes."""
    return sum(range(n))


def sort_bytes(megabytes: int) -> int:
    """Sort ``megabytes`` MiB of pseudo-random bytes with ``sorted``: C code that keeps the GIL throughout."""
    return sorted(random.Random(megabytes).randbytes(megabytes << 20))[-1]


def wait_at(barrier: Any) -> None:
    """Pool initializer: wait until every worker of the pool, and its creator, has started (warm pools)."""
    barrier.wait(60)


# --------------------------------------------------------------------------- Chapter 5: processes
# Targets and pool tasks of Chapter 5. Each reports through a queue, pipe or return value: a child's
# print() goes to the kernel's own output, which a notebook cell may or may not show. The CPU-bound
# task is Chapter 3's count_primes.

__all__ += ["mark_this_process", "started_by"]
__all__ += ["Countdown", "Stage", "add", "checksum", "checksum_shared", "consume", "double_shared", "fail_if_negative",
            "fill", "hold_lock", "label_of", "nap", "produce", "put_big", "quiet_worker", "record_visit",
            "report_identity", "send_lines", "set_label", "shout", "shout_list", "square"]
__all__ += ["Parcel", "die", "is_daemon", "keep_gate", "square_when_open", "start_a_child", "try_lock"]

def square(x: float) -> float:
    """Return ``x * x``: the smallest task, so that what a measurement shows is the pool's own cost."""
    return x * x


def report_identity(reply: Any, tag: str) -> None:
    """Put (tag, process name, pid, parent pid) on the queue ``reply``."""
    me = multiprocessing.current_process()
    reply.put((tag, me.name, os.getpid(), os.getppid()))


class Countdown(multiprocessing.Process):
    """A Process subclass: ``start()`` runs the overridden ``run()`` in the new process."""

    def __init__(self, count: int, reply: Any) -> None:
        super().__init__(name=f"countdown-{count}")
        self.count = count
        self.reply = reply

    def run(self) -> None:
        for i in range(self.count, 0, -1):
            self.reply.put(f"{self.name} (pid {os.getpid()}): {i}")


def hold_lock(lock: Any, holding: Any) -> None:
    """Take ``lock``, set the event ``holding``, and keep the lock for a minute (until terminated)."""
    lock.acquire()
    holding.set()
    time.sleep(60)


def add(counter: Any, times: int, start: Any, locked: bool) -> None:
    """Add 1 to ``counter.value`` ``times`` times, after all processes reach the barrier ``start``.

    Unlocked, the first updates are made to collide, so that the race shows on every run and on any machine:
    each process reads ``.value``, waits at ``start`` until every process has read it too, and only then writes,
    so all but one of these first updates are lost. The later ones collide as the machine's cores and load let
    them.
    """
    start.wait()
    for i in range(times):
        if locked:
            with counter.get_lock():
                counter.value += 1
        else:
            value = counter.value  # a read and a write, each locked on its own: another process fits between
            if i == 0:
                start.wait()
            counter.value = value + 1


def fill(array: Any, value: int, start: Any, locked: bool, backwards: bool = False) -> None:
    """Write ``value`` into every element of ``array``, one element at a time (with or without its lock).

    Two writers going opposite ways make a rewrite that is not atomic show at once: without the lock
    each ends up owning the half of the array it wrote last.
    """
    start.wait()
    with array.get_lock() if locked else contextlib.nullcontext():
        for i in reversed(range(len(array))) if backwards else range(len(array)):
            array[i] = value
            time.sleep(0.001)  # a real rewrite computes each element; meanwhile the other process runs


def produce(outbox: Any, items: list, consumers: int) -> None:
    """Put every item on ``outbox``, then one ``None`` per consumer to tell it to stop."""
    for item in items:
        outbox.put(item)
    for _ in range(consumers):
        outbox.put(None)


def consume(inbox: Any, outbox: Any) -> None:
    """Square items from ``inbox`` onto ``outbox`` (with this process's name) until a ``None`` arrives."""
    name = multiprocessing.current_process().name
    for item in iter(inbox.get, None):
        outbox.put((name, item * item))


def shout(conn: Any) -> None:
    """Answer every string received on ``conn`` with its upper-case version, until ``None``."""
    for message in iter(conn.recv, None):
        conn.send(message.upper())
    conn.close()


def send_lines(conn: Any, lines: list[str]) -> None:
    """Send each line on ``conn``, then close this process's end."""
    for line in lines:
        conn.send(line)
    conn.close()


def put_big(outbox: Any, nbytes: int) -> None:
    """Put ``nbytes`` bytes on ``outbox`` and return: the process still has to flush them to the pipe."""
    outbox.put(b"x" * nbytes)


def double_shared(name: str, count: int) -> None:
    """Double the first ``count`` 64-bit integers of the shared memory block ``name``, in place."""
    block = shared_memory.SharedMemory(name=name)
    numbers = block.buf[: 8 * count].cast("q")
    for i in range(count):
        numbers[i] *= 2
    numbers.release()  # a block cannot close while a view of it exists
    block.close()


def shout_list(name: str) -> None:
    """Upper-case the first item of the ShareableList ``name`` and add 1 to its second."""
    items = shared_memory.ShareableList(name=name)
    items[0] = items[0].upper()
    items[1] += 1
    items.shm.close()


def record_visit(visits: Any, log: Any, stats: Any, lock: Any) -> None:
    """Record this process in a Manager's dict and list, and count it in a Namespace under a lock."""
    name = multiprocessing.current_process().name
    visits[name] = os.getpid()
    log.append(name)
    with lock:  # stats.count += 1 is a read and a write, two round trips to the manager
        stats.count += 1


def fail_if_negative(x: float) -> float:
    """Return ``x * x``, or raise ValueError for a negative ``x`` (for error callbacks)."""
    if x < 0:
        raise ValueError(f"negative input: {x}")
    return x * x


_label = "not initialised"


def set_label(label: str) -> None:
    """A pool initializer: give this worker process a label that every later task sees."""
    global _label
    _label = f"{label} (pid {os.getpid()})"


def label_of(x: Any) -> tuple[Any, str]:
    """Return ``x`` with the label the initializer gave this worker."""
    return x, _label


def nap(seconds: float) -> float:
    """Sleep ``seconds`` and return them: tasks that finish in an order other than the input's."""
    time.sleep(seconds)
    return seconds


def quiet_worker(starts: Any) -> None:
    """A pool initializer: count this worker's start in the shared Value ``starts``, silence its stderr.

    For the demo of a pool whose workers die at once: each death prints a traceback, and the pool
    starts a new worker that dies in turn.
    """
    with starts.get_lock():
        starts.value += 1
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def checksum(data: bytes) -> int:
    """CRC-32 of ``data``: fast C code, so that the cost of sending ``data`` to a worker stands out."""
    return zlib.crc32(data)


def checksum_shared(name: str, size: int) -> int:
    """CRC-32 of the first ``size`` bytes of the shared memory block ``name``, read in place."""
    block = shared_memory.SharedMemory(name=name)
    view = block.buf[:size]
    result = zlib.crc32(view)
    view.release()
    block.close()
    return result


_gate: list[Any] = [None]
"""The semaphore a pool worker's tasks wait for (set by :func:`keep_gate`; a list changed in place)."""


def keep_gate(gate: Any) -> None:
    """A pool initializer: keep ``gate``, a ``Semaphore(0)`` that :func:`square_when_open` waits for."""
    _gate[0] = gate


def square_when_open(x: float) -> float:
    """Return ``x * x`` once the gate is released (10 s at most): a task that is certainly still running until then.

    A semaphore, not an Event: an Event is a Condition underneath, and a worker terminated while it waits on one
    leaves it broken (the next ``set()`` waits for the dead waiter to wake); a terminated semaphore waiter does not.
    """
    _gate[0].acquire(timeout=10)
    return x * x


def die(code: int = 1) -> None:
    """End this worker process at once with exit code ``code``, as a crash would: no exception, no result, no
    cleanup. Only in a child process: called in the notebook's own process it raises RuntimeError instead."""
    if multiprocessing.parent_process() is None:
        raise RuntimeError("die() ends a worker process; call it in a pool or a Process, not in the notebook")
    os._exit(code)


def is_daemon() -> bool:
    """Whether the process running this is daemonic (pool workers are)."""
    return multiprocessing.current_process().daemon


def start_a_child() -> int:
    """Start, join and return the exit code of a child process: what a daemonic process may not do."""
    child = multiprocessing.Process(target=nothing)
    child.start()
    child.join()
    return child.exitcode


def try_lock(lock: Any, seconds: float) -> bool:
    """Whether ``lock`` can be taken within ``seconds``: in a forked child, a lock another thread of the parent
    held at the fork stays taken, since that thread was not copied."""
    return lock.acquire(timeout=seconds)


def _parcel_arrived(value: Any, pickled_in: str) -> Parcel:
    parcel = Parcel(value)
    parcel.pickled_in = pickled_in
    return parcel


class Parcel:
    """A value whose pickling waits until :meth:`release`, and that records the thread that pickled it.

    ``multiprocessing.Queue.put()`` returns before the item is pickled: the queue's feeder thread pickles
    it later. A Parcel makes that "later" certain (its pickling waits for the go), so a cell can change it
    after ``put()`` and see which version arrives, and in which thread it was pickled.
    """

    def __init__(self, value: Any) -> None:
        self.value = value
        self.pickled_in = ""  # on the copy that arrives: the name of the thread that pickled it
        self._go = threading.Event()

    def release(self) -> None:
        """Let the pickling of this parcel go ahead."""
        self._go.set()

    def __reduce__(self) -> tuple[Any, ...]:
        self._go.wait(10)
        return _parcel_arrived, (self.value, threading.current_thread().name)


_STARTED_HERE = [""]
"""Filled by mark_this_process() in a checking process only: a child started by fork inherits the value,
a child started by spawn or forkserver imports this module afresh and finds it empty. (A list changed in
place: the grading guard takes a module global that is rebound for tampering.)"""


def mark_this_process() -> tuple[int, str]:
    """Give this process a fresh mark; return (its pid, the mark), for :func:`started_by` in its children."""
    _STARTED_HERE[0] = uuid.uuid4().hex
    return os.getpid(), _STARTED_HERE[0]


def started_by(home: int, mark: str) -> str:
    """How the process running this was started from ``home``, the process that made ``mark``.

    "notebook" when it is ``home`` itself; "fork" when it inherited the mark (a copy of the parent's
    memory); otherwise "spawn" when ``home`` is its parent, "forkserver" when the fork server is. A
    check compares that with the default start method it set, so code that names its own start
    method, whatever the default, is caught.
    """
    if os.getpid() == home:
        return "notebook"
    if mark and mark == _STARTED_HERE[0]:
        return "fork"
    return "spawn" if os.getppid() == home else "forkserver"


@dataclass(frozen=True)
class Stage:
    """One stage of a pipeline: tags the item with its index and the pid of the process that ran it.

    The first stage receives a bare item and returns ``(item, trail, ballast)``; each later stage adds
    ``(index, pid)`` to the trail, so a check sees which process ran which stage for every item.
    ``padding`` bytes of ballast make results big enough to fill a pipe. Given a ``mark`` (from
    :func:`mark_this_process`), each trail entry also says how the stage's process was started:
    ``(index, pid, started_by(home, mark))``. A value equal (and of the same type) to one in
    ``refuse`` makes the stage raise ``ValueError(f"stage {index} refuses {value!r}")``.
    """

    index: int
    padding: int = 0
    home: int = 0
    mark: str = ""
    refuse: tuple[Any, ...] = ()

    def __call__(self, item: Any) -> tuple[Any, tuple[tuple[Any, ...], ...], bytes]:
        value, trail = (item[0], item[1]) if self.index else (item, ())
        if any(type(value) is type(r) and value == r for r in self.refuse):
            raise ValueError(f"stage {self.index} refuses {value!r}")
        entry = (self.index, os.getpid()) + ((started_by(self.home, self.mark),) if self.mark else ())
        return value, trail + (entry,), b"." * self.padding
