"""Run code in child processes from a notebook, under every start method, and check what it did.

A notebook is a hard place for multiprocessing: a function defined in a cell lives in the kernel's
``__main__``, which a child started with spawn or forkserver cannot import; a child's traceback goes to
its own stderr, not to the cell; and a process left running outlives the cell. This module holds what
Chapter 5's cells and checks need for that:

- ``importable``: an importable copy of the notebook cell that defines a function;
- ``run_in_children``: run a function in child processes and bring back each one's value or error;
- ``no_leftover_processes``: fail when code leaves processes running, and stop them;
  ``every_process_joined``: the exact version, with no grace period, that also fails on a process that
  ended but was never joined;
- ``StartProbe``: a task wrapper that shows which start method really started the workers;
- ``watched_workers`` / ``call_watched``: a record of every thread and process a call starts (how each
  process really started, when each was started and joined), and an exact, immediate leftover check on it;
- ``default_start_method`` / ``start_methods``: run code under fork, spawn and forkserver in turn;
- ``Witness``, ``ForcedRaceValue`` and ``ForcedHandoffValue``: make "ran in parallel" and "loses an update" certain, not lucky,
  as ``course.amplify`` does for threads;
- ``best_time``, ``usable_cores``, ``run_script``: measurements and script runs for the notebook.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import getpass
import hashlib
import importlib
import linecache
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.pool
import multiprocessing.process
import multiprocessing.resource_tracker
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for_connections
from pathlib import Path
from typing import Any

from course import proc_stat
from course.bounded import POLL_SECONDS, LeftoverThreads, TookTooLong, call_own_work, call_within
from course.fair_clock import FairClock
from course.workloads import started_by

__all__ = ["ForcedHandoffValue", "ForcedRaceValue", "LeftoverProcesses", "Outcome", "StartProbe", "Started", "Witness",
           "best_time", "call_watched", "default_start_method", "every_process_joined", "importable", "live_pids",
           "no_leftover_processes", "run_in_children", "run_script", "start_methods", "usable_cores", "watched_workers"]


# --------------------------------------------------------------------------- start methods and cores

def start_methods() -> list[str]:
    """The start methods this platform offers, spawn first: it is the strictest, so mistakes show first."""
    preferred = ["spawn", "forkserver", "fork"]
    available = multiprocessing.get_all_start_methods()
    return [m for m in preferred if m in available]


@contextlib.contextmanager
def default_start_method(method: str) -> Iterator[None]:
    """Make ``method`` the default start method inside the block, then restore the previous default.

    Code that uses ``multiprocessing.Process``, ``Pool`` or ``ProcessPoolExecutor`` without naming a
    method then runs under ``method``: how a check tries a student's code under each of them.
    """
    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(method, force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(previous, force=True)


def usable_cores() -> int:
    """CPUs this process may run on (a container or CI runner may allow fewer than the machine has)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def best_time(fn: Callable[..., Any], *args: Any, repeat: int = 1) -> float:
    """The shortest wall-clock time of ``repeat`` calls of ``fn(*args)``, in seconds.

    The minimum, not the mean: other programs only ever add time, so the fastest run is the one
    least disturbed by them.
    """
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - started)
    return min(times)


# --------------------------------------------------------------------------- an importable copy of a cell

@functools.cache
def _cell_folder() -> Path:
    """The folder for copies of cells, put first on sys.path (which spawn and forkserver children
    receive from their parent). One per user, shared by all kernels: a copy is named after a hash of
    its source, so kernels that copy the same cell write the same file, and a kernel that is killed
    leaves nothing behind to clean up."""
    path = Path(tempfile.gettempdir()) / f"course-cells-{getpass.getuser()}"
    path.mkdir(exist_ok=True)
    sys.path.insert(0, str(path))
    return path


def importable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The same function, taken from a module that child processes can import by name.

    A function defined in a notebook cell belongs to the kernel's ``__main__``: spawn and forkserver
    children look it up there and fail with "Can't get attribute …". So the cell's source (which
    IPython keeps in ``linecache`` under the code's file name) is written to a module on ``sys.path``
    and imported; the function returned is that module's, and so are the helpers, classes and
    sentinels the function uses from its own cell. Everything it needs must be in that one cell.
    A function that already lives in an importable module is returned unchanged.

    Raises:
        AssertionError: when the cell cannot be found or does not run on its own, saying what to do.
    """
    if getattr(fn, "__module__", None) != "__main__":
        return fn
    name = getattr(fn, "__name__", repr(fn))
    code = getattr(fn, "__code__", None)
    lines = linecache.getlines(code.co_filename) if code else []
    if not lines:
        raise AssertionError(f"The check cannot find the cell that defines {name}: run that cell again, then this one.")
    source = "".join(lines)
    module_name = "course_cell_" + hashlib.sha1(source.encode()).hexdigest()[:12]
    path = _cell_folder() / f"{module_name}.py"
    if not path.exists():
        partial = path.with_name(f"{module_name}.{os.getpid()}.partial")
        partial.write_text(source)
        partial.replace(path)  # atomic: another kernel never imports half a file
        importlib.invalidate_caches()
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise AssertionError(
            f"The cell that defines {name} does not run on its own ({type(exc).__name__}: {exc}). Worker "
            f"processes started with spawn or forkserver import that cell by itself, so put every import, "
            f"helper and constant it uses in that same cell."
        ) from None
    if not callable(getattr(module, name, None)):
        raise AssertionError(f"{name} must be defined at the top level of its cell (not inside a function or an if).")
    return getattr(module, name)


# --------------------------------------------------------------------------- running functions in children

@dataclass
class Outcome:
    """What a child process did: its exit code, and its return value or the traceback it ended with."""

    exitcode: int | None
    value: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.exitcode == 0 and not self.error

    @property
    def error_line(self) -> str:
        """The last line of the child's traceback: the exception and its message."""
        return self.error.strip().splitlines()[-1] if self.error.strip() else ""


def _child_main(pickled_fn: bytes, args: tuple, conn: Any) -> None:
    """The child's side of run_in_children: look the function up by name, call it, report back."""
    try:
        fn = pickle.loads(pickled_fn)  # where spawn and forkserver fail for a notebook function
        conn.send((True, fn(*args)))
    except BaseException as exc:  # noqa: BLE001 -- the parent reports it
        conn.send((False, "".join(traceback.format_exception(exc))))
        sys.exit(1)
    finally:
        conn.close()


def run_in_children(ctx: Any, fn: Callable[..., Any], arg_tuples: list[tuple], seconds: float = 10.0) -> list[Outcome]:
    """Run ``fn(*args)`` in one child process per tuple, all at once; return each child's Outcome.

    ``fn`` reaches the child pickled by reference, exactly as a Process target does, so under spawn
    and forkserver it must be importable. A child's value, or its traceback, comes back through a
    pipe (a child's stderr would not reach the cell). Once a child has failed, or after ``seconds``,
    the children still running are stopped, so a failure costs no more time than it must; a child that
    has reported success has until ``seconds`` are up to end by itself, however loaded the machine.
    ``args`` travel as Process arguments, so they may hold locks, Values and Conditions of ``ctx``.
    """
    pickled = pickle.dumps(fn)
    clock = FairClock()  # started first, so that it counts the children's time held up by a busy machine too
    children, readers = [], []
    for i, args in enumerate(arg_tuples):
        reader, writer = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child_main, args=(pickled, args, writer), name=f"child-{i}")
        child.start()
        writer.close()  # the child holds the only writing end now: its exit means EOF here
        children.append(child)
        readers.append(reader)
    reports: dict[int, tuple[bool, Any]] = {}
    while len(reports) < len(children) and clock.elapsed() < seconds and all(ok for ok, _ in reports.values()):
        pending = [r for i, r in enumerate(readers) if i not in reports]
        for reader in wait_for_connections(pending, timeout=min(POLL_SECONDS, max(0.0, seconds - clock.elapsed()))):
            reports[readers.index(reader)] = _report(reader)
    until = max(seconds, clock.elapsed() + 1.0)  # done and ending: on a loaded machine an exit can take a while
    for i, (ok, _) in reports.items():
        while ok and children[i].is_alive() and clock.elapsed() < until:
            children[i].join(POLL_SECONDS)
    _stop_all(children)
    outcomes = []
    for i, (child, reader) in enumerate(zip(children, readers, strict=True)):
        if i not in reports and reader.poll(0):  # it reported while another child's failure was handled
            with contextlib.suppress(EOFError):  # (EOF: it was stopped before it could)
                reports[i] = reader.recv()
        ok, payload = reports.get(i, (False, f"stopped: still running after {seconds:g} s or after another child failed"))
        outcomes.append(Outcome(child.exitcode, payload if ok else None, "" if ok else payload))
        reader.close()
    return outcomes


def _report(reader: Any) -> tuple[bool, Any]:
    try:
        return reader.recv()
    except EOFError:
        return False, "the process ended without reporting (it was killed, or crashed)"


def _stop_all(children: list[Any], grace: float = 1.0) -> None:
    """Join children that are ending anyway; terminate, then kill, the others."""
    deadline = time.monotonic() + grace
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
    for signal_them in ("terminate", "kill"):
        alive = [c for c in children if c.is_alive()]
        for child in alive:
            getattr(child, signal_them)()
        for child in alive:
            child.join(grace)


def run_script(source: str, timeout: float = 20.0) -> str:
    """Run ``source`` as a script file with this Python; return what it printed (stdout, then stderr).

    A file, not ``-c``: spawn re-imports the main script in each child by its path, which is what the
    ``if __name__ == "__main__":`` guard is about.
    """
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "script.py"
        script.write_text(source)
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=timeout,
                              cwd=folder)
    return (done.stdout + done.stderr).replace(str(script), "script.py")


# --------------------------------------------------------------------------- no process left behind

class LeftoverProcesses(AssertionError):
    """Processes started by the checked code were still running after it returned."""


def _process_table() -> dict[int, int]:
    """pid -> parent pid of every live (not zombie) process, from /proc; empty without /proc."""
    table = {}
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            stat = proc_stat.read(entry.name)
            if stat is not None and not proc_stat.exited(stat[0]):
                table[int(entry.name)] = stat[1]
    return table


def _helpers() -> set[int]:
    """Long-lived processes multiprocessing starts for itself: the forkserver and the resource tracker."""
    pids = {getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None),
            getattr(multiprocessing.resource_tracker._resource_tracker, "_pid", None)}
    return {p for p in pids if p}


def _descendants() -> set[int]:
    """This process's live descendants (children of the forkserver included), and its live Process children."""
    table = _process_table()
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in table.items() if ppid in frontier} - found
        found |= frontier
    found |= {p.pid for p in multiprocessing.active_children()}
    return found - _helpers()


def _names(pids: set[int]) -> str:
    known = {p.pid: p.name for p in multiprocessing.active_children()}
    return ", ".join(known.get(pid, f"pid {pid}") for pid in sorted(pids))


def _stop_processes(pids: set[int], grace: float = 1.0) -> None:
    """Stop leftover processes: pools through terminate() first, then SIGTERM, then SIGKILL.

    A pool whose workers are killed from outside hangs in its own terminate() later (a killed worker
    may hold the pool's queue lock), and the garbage collector calls terminate() on every pool. So
    pools that own one of ``pids`` are terminated properly before anything is signalled.
    """
    if not pids:
        return
    for pool in [o for o in gc.get_objects() if isinstance(o, multiprocessing.pool.Pool)]:
        if pool._state == multiprocessing.pool.RUN and any(w.pid in pids for w in pool._pool):
            with contextlib.suppress(TookTooLong):  # then the signals below stop its workers
                call_within(5, pool.terminate)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids & _descendants():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while pids & _descendants() and time.monotonic() < deadline:
            time.sleep(0.02)


@contextlib.contextmanager
def no_leftover_processes(grace: float = 1.0) -> Iterator[None]:
    """Fail if processes started inside the block still run ``grace`` seconds after it ends; stop them.

    Counts the kernel's descendants as /proc shows them (which includes the children of a forkserver)
    and ``multiprocessing.active_children()``, minus those that existed before the block and the
    forkserver and resource tracker, which multiprocessing keeps for the whole session. When the block
    raises, leftovers are stopped quietly and the block's own error is what the student sees.
    """
    before = _descendants()
    try:
        yield
    except BaseException:
        _stop_processes(_descendants() - before, grace=0.5)
        raise
    deadline = time.monotonic() + grace
    while (new := _descendants() - before) and time.monotonic() < deadline:
        time.sleep(0.02)
    if new:
        names = _names(new)
        _stop_processes(new)
        raise LeftoverProcesses(
            f"{len(new)} process(es) started by your code were still running {grace:g} s after it returned "
            f"({names}); the check has stopped them. Make every process you start end: send each one a "
            f"sentinel so that it leaves its loop and then join() it, close and join a Pool (or use "
            f"`with Pool(...) as pool:`), and shut down a Manager."
        )


def _unjoined() -> set[Any]:
    """Process objects this process started and has neither joined nor seen end (through is_alive()).

    Read without calling ``active_children()``, which would reap ended children and so hide the ones
    nobody joined.
    """
    return set(multiprocessing.process._children)


@contextlib.contextmanager
def every_process_joined() -> Iterator[None]:
    """Fail unless, the moment the block ends, every process started inside it has ended and been joined.

    No grace period: a look right at the end, so a process still running, or one that ended but that
    nobody joined, fails every time (a `with Pool` block and a ProcessPoolExecutor's join their workers;
    ``Process.join()`` or an ``is_alive()`` that returns False counts as joined). It also counts live
    descendants that are not Process objects (children of the fork server included). Leftovers are
    stopped; when the block raises, quietly, and the block's own error is what the student sees.
    """
    started_before, before = _unjoined(), _descendants()
    try:
        yield
    except BaseException:
        _stop_processes(_descendants() - before, grace=0.5)
        raise
    unjoined = _unjoined() - started_before
    running = {p.pid for p in unjoined if p.exitcode is None} | (_descendants() - before)
    ended = [p for p in unjoined if p.pid not in running]
    if not running and not ended:
        return
    names = _names(running)
    _stop_processes(running)
    for process in unjoined:
        process.join(1.0)
    problems = []
    if running:
        problems.append(f"{len(running)} process(es) still running ({names})")
    if ended:
        problems.append(f"{len(ended)} that had ended but that nobody joined ({', '.join(p.name for p in ended)})")
    raise LeftoverProcesses(
        f"When your code returned, it left {' and '.join(problems)}; the check has stopped and joined them. "
        f"Before returning, make every process you started end and join() it: send each one a sentinel so that "
        f"it leaves its loop, then join(); close() and join() a Pool (or leave a `with Pool(...)` block after "
        f"the last result is in), shut down a Manager."
    )


def live_pids() -> set[int]:
    """The pids of every live (not zombie) process on the machine; empty without /proc."""
    return set(_process_table())


@dataclass(frozen=True)
class StartProbe:
    """A picklable task wrapper that notes how each process that runs it was started, and its siblings.

    ``home`` and ``mark`` come from ``course.workloads.mark_this_process()`` in the checking process;
    each call leaves a file ``<method>_<pid>`` in ``folder`` (see ``course.workloads.started_by``)
    that lists the live processes with the same parent as the one running it. A Pool starts all its
    workers before it runs a task, so those siblings show how many workers it has, on every run, even
    when a few of them happened to take every task.
    """

    fn: Callable[[Any], Any]
    folder: str
    home: int
    mark: str

    def __call__(self, item: Any) -> Any:
        parent = os.getppid()
        siblings = [pid for pid, ppid in _process_table().items() if ppid == parent]
        Path(self.folder, f"{started_by(self.home, self.mark)}_{os.getpid()}").write_text(" ".join(map(str, siblings)))
        return self.fn(item)

    def methods(self) -> set[str]:
        """How the processes that ran calls were started: "spawn", "forkserver", "fork" or "notebook"."""
        return {name.split("_")[0] for name in os.listdir(self.folder)}

    def siblings(self) -> set[int]:
        """Every process that was alive next to a process running a call (that one included), except
        the fork server and the resource tracker: call it in the process that made the probe."""
        listed = (Path(self.folder, name).read_text().split() for name in os.listdir(self.folder))
        return {int(pid) for pids in listed for pid in pids} - _helpers()


# --------------------------------------------------------------------------- a record of what a call starts

@dataclass
class Started:
    """One thread or process started inside ``watched_workers``.

    ``kind`` is "thread", or the start method the process really ran under (the method of the Popen that
    started it: a ``multiprocessing.Process`` follows the default, a context's Process its context).
    ``started`` and ``joined`` are ``time.perf_counter()`` just before ``start()`` and just after a
    ``join()`` that returned with it ended.
    """

    worker: Any
    target: Any
    kind: str
    started: float
    joined: float | None = None

    def ended_and_joined(self) -> bool:
        """A thread: a join() returned with it ended. A process: its parent has collected its exit status
        (join(), or a poll by is_alive() or exitcode, as a pool does), which an ended process still waits for."""
        if self.kind == "thread":
            return self.joined is not None
        popen = self.worker._popen
        return popen is None or popen.returncode is not None  # read, not polled: looking must not reap it


@contextlib.contextmanager
def watched_workers() -> Iterator[list[Started]]:
    """Record every thread and process whose start() is called inside the block, in the order of the calls.

    The start() and join() of ``threading.Thread`` and of multiprocessing's processes are wrapped for the
    block (pools and executors start and join theirs through them too) and restored after it.
    """
    records: list[Started] = []
    by_worker: dict[int, Started] = {}
    classes = (threading.Thread, multiprocessing.process.BaseProcess)
    originals = {cls: (cls.start, cls.join) for cls in classes}

    def wrap(start: Callable[..., Any], join: Callable[..., Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
        def watched_start(self: Any) -> None:
            began = time.perf_counter()
            target = getattr(self, "_target", None)  # a Thread forgets its target once it has run
            start(self)
            kind = "thread" if isinstance(self, threading.Thread) else self._popen.method
            by_worker[id(self)] = record = Started(self, target, kind, began)
            records.append(record)

        def watched_join(self: Any, timeout: float | None = None) -> None:
            join(self, timeout)
            record = by_worker.get(id(self))
            if record is not None and record.worker is self and not self.is_alive():
                record.joined = time.perf_counter()

        return watched_start, watched_join

    for cls, (start, join) in originals.items():
        cls.start, cls.join = wrap(start, join)
    try:
        yield records
    finally:
        for cls, (start, join) in originals.items():
            cls.start, cls.join = start, join


# multiprocessing's own helper threads: a Queue's feeder thread lives as long as its queue, and ends when the
# queue is closed or collected, which is multiprocessing's business, not the student's.
_QUEUE_THREADS = ("QueueFeederThread",)


def call_watched(seconds: float, fn: Callable[..., Any], *args: Any,
                 forbidden: Sequence[Callable[..., Any]] = ()) -> tuple[Any, list[Started]]:
    """``call_own_work(seconds, forbidden, fn, *args)``, and the record of every thread and process it started;
    fail at once if one of them has not ended and been joined when ``fn`` returns.

    The record is taken in the thread that makes the call, so it holds what ``fn`` started and not the
    checker's own helper thread. The look is immediate and exact, with no grace: a thread counts as finished
    only if a join() returned with it ended, a process only if its exit status has been collected, so the
    verdict cannot depend on whether something left running happened to end in the meantime. Processes
    started other than through multiprocessing are caught by ``no_leftover_processes(grace=0)``, which also
    stops whatever is left when ``fn`` fails or runs out of time.
    """
    records: list[Started] = []

    @functools.wraps(fn)
    def watched(*args: Any) -> Any:
        with watched_workers() as started:
            try:
                result = fn(*args)
            finally:
                records.extend(started)
        left = [s for s in records if not s.ended_and_joined() and s.worker.name not in _QUEUE_THREADS]
        if left:
            names = ", ".join(f"{s.kind} {s.worker.name!r}" for s in left)
            error = LeftoverThreads if all(s.kind == "thread" for s in left) else LeftoverProcesses
            raise error(
                f"{len(left)} of the threads and processes your code started had not ended and been joined when "
                f"it returned ({names}). Join every thread and process you start before you return; around a "
                f"pool, a `with` block does it (a pool left open, or shut down with wait=False, does not)."
            )
        return result

    with no_leftover_processes(grace=0):
        return call_own_work(seconds, list(forbidden), watched, *args), records


# --------------------------------------------------------------------------- certainty instead of luck

@dataclass(frozen=True)
class Witness:
    """A picklable task wrapper whose calls show whether ``quorum`` processes ran tasks at the same time.

    Timing cannot prove parallelism on a loaded machine, and a pool that runs tasks one after another
    in different workers still uses several processes. So each call opens a ticket (a file named after
    its pid) and waits until tickets of ``quorum`` different processes are open at once, then marks
    the meeting; a call that waits ``patience`` seconds in vain (on a FairClock of the checker's processes:
    a worker slowed by a busy machine is waited for) marks that instead, and later calls no longer wait.
    Calls made in the process that created the witness (the checker's) never wait: work
    done there by threads or in a loop proves nothing, and should fail fast.
    """

    fn: Callable[[Any], Any]
    folder: str
    quorum: int
    patience: float = 3.0
    home: int = field(default_factory=os.getpid)

    def __call__(self, item: Any) -> Any:
        ticket = Path(self.folder, f"{os.getpid()}-{uuid.uuid4().hex}")
        ticket.touch()
        try:
            if os.getpid() != self.home:
                self._wait_for_quorum()
            return self.fn(item)
        finally:
            ticket.rename(ticket.with_suffix(".done"))

    def _flag(self, name: str) -> Path:
        return Path(self.folder, name)

    def _wait_for_quorum(self) -> None:
        clock = FairClock(self.home)  # patience counts the time the workers could run, not a busy machine's
        while not (self._flag("met").exists() or self._flag("gave_up").exists()):
            open_now = {n.split("-")[0] for n in os.listdir(self.folder) if "-" in n and not n.endswith(".done")}
            if len(open_now) >= self.quorum:
                self._flag("met").touch()
            elif clock.elapsed() > self.patience:
                self._flag("gave_up").touch()
            else:
                time.sleep(0.002)

    def met(self) -> bool:
        """Whether ``quorum`` different processes were running calls at one moment."""
        return self._flag("met").exists()

    def pids(self) -> list[int]:
        """The pid of the process that ran each call, one entry per call."""
        return [int(n.split("-")[0]) for n in os.listdir(self.folder) if "-" in n]


_ARRIVALS, _ENTERED, _INSIDE, _BLOCKED, _HELD, _WAITED_OUT = range(6)


class ForcedRaceValue:
    """A stand-in for ``multiprocessing.Value('i')`` on which an unlocked read–modify–write always loses.

    It has what a synchronized Value has (``value``, ``get_lock()``, ``get_obj()``, ``acquire``/
    ``release``, ``with``), and it is ``course.amplify``'s trick across processes: a read of ``value``
    pauses after fetching, a write pauses before storing, until another participant reaches a pause
    too. Two processes that do not hold the lock around the whole update then both read the old
    value, and one update is lost on every run. A pause ends at once when no other participant can
    arrive (the others wait for the lock this one holds, or have finished), so correct code pays
    nothing; ``patience`` only bounds a wait on a lock the value does not know about.

    Each participating process runs the code under test inside ``with counter.participant():``,
    which also starts the ``parties`` participants together. Pass the object to the children as a
    Process argument (it holds locks, which travel only that way).
    """

    def __init__(self, ctx: Any, parties: int = 2, patience: float = 1.0, start_timeout: float = 10.0) -> None:
        self._raw = ctx.RawValue("i", 0)
        self._lock = ctx.RLock()
        self._meeting = ctx.Condition(ctx.Lock())
        self._counts = ctx.RawArray("i", 6)
        self._parties, self._patience, self._start_timeout = parties, patience, start_timeout
        self._home = os.getpid()  # whose processes' time the waits count (FairClock)
        self._depth = 0  # how many times this process holds the lock (an RLock); never shared

    def _change(self, index: int, delta: int) -> None:
        with self._meeting:
            self._counts[index] += delta
            self._meeting.notify_all()

    def _others_can_arrive(self) -> bool:
        c = self._counts
        waiting_for_lock = c[_BLOCKED] if c[_HELD] else 0
        return c[_INSIDE] - 1 - waiting_for_lock > 0

    def _pause(self) -> None:
        c = self._counts
        with self._meeting:
            c[_ARRIVALS] += 1
            mine = c[_ARRIVALS]
            self._meeting.notify_all()
            if not self._wait_for(lambda: c[_ARRIVALS] > mine or not self._others_can_arrive(), self._patience):
                c[_WAITED_OUT] += 1

    def _wait_for(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """``self._meeting.wait_for(predicate, seconds)`` (the meeting held), with ``seconds`` on a FairClock: a
        participant held up by a busy machine is waited for, not left out of the race."""
        clock = FairClock(self._home)
        while not predicate() and (left := seconds - clock.elapsed()) > 0:
            self._meeting.wait(min(left, POLL_SECONDS))
        return predicate()

    @property
    def waited_out(self) -> int:
        """How many pauses ended by running out of patience (code that holds the lock it should: none)."""
        return self._counts[_WAITED_OUT]

    @contextlib.contextmanager
    def participant(self) -> Iterator[None]:
        """Take part in the race: wait until all ``parties`` have arrived, and count as one until the end."""
        with self._meeting:
            self._counts[_ENTERED] += 1
            self._counts[_INSIDE] += 1
            self._meeting.notify_all()
            self._wait_for(lambda: self._counts[_ENTERED] >= self._parties, self._start_timeout)
        try:
            yield
        finally:
            self._change(_INSIDE, -1)

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        """Acquire the value's lock, noting while this process waits for it."""
        got = self._lock.acquire(False)
        if not got and block:
            self._change(_BLOCKED, +1)
            try:
                got = self._lock.acquire(True, timeout)
            finally:
                self._change(_BLOCKED, -1)
        if got:
            self._depth += 1
            if self._depth == 1:
                self._change(_HELD, +1)
        return got

    def release(self) -> None:
        """Release the value's lock."""
        self._depth -= 1
        if self._depth == 0:
            self._change(_HELD, -1)
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def get_lock(self) -> ForcedRaceValue:
        """The lock that guards the value (here the object itself, which acquires and releases)."""
        return self

    def get_obj(self) -> Any:
        return self._raw

    @property
    def value(self) -> int:
        with self:
            value = self._raw.value
        self._pause()
        return value

    @value.setter
    def value(self, new: int) -> None:
        self._pause()
        with self:
            self._raw.value = new

    def __repr__(self) -> str:
        return f"<ForcedRaceValue {self._raw.value}>"


class ForcedHandoffValue(ForcedRaceValue):
    """A ForcedRaceValue that also pauses a process right after it lets go of the lock.

    Code that takes the lock for the read and again for the write, letting go in between, would
    otherwise mostly take it back at once (a lock is not handed to a waiter), and so rarely lose an
    update. Here the process that let go waits until another participant reaches a pause (it has
    taken the lock and read) or cannot arrive: both read the same old value, every run. Code that
    holds the lock around the whole update pays one pause per update, and loses nothing.
    """

    def __init__(self, ctx: Any, parties: int = 2, patience: float = 1.0, start_timeout: float = 10.0) -> None:
        super().__init__(ctx, parties, patience, start_timeout)
        self._accessing = False  # inside value's own getter or setter, whose locking is not the caller's

    def release(self) -> None:
        """Release the lock; pause when that ends the caller's own hold on it."""
        super().release()
        if self._depth == 0 and not self._accessing:
            self._pause()

    @property
    def value(self) -> int:
        self._accessing = True
        try:
            return ForcedRaceValue.value.fget(self)
        finally:
            self._accessing = False

    @value.setter
    def value(self, new: int) -> None:
        self._accessing = True
        try:
            ForcedRaceValue.value.fset(self, new)
        finally:
            self._accessing = False
