"""Grading on a Dask cluster: a scheduler and two workers, each a separate process (on loopback: see
``_cluster``), grade 12 Chapter 1 submissions into a real PostgreSQL, and one worker is SIGKILLed while its
kernel runs a student's notebook. The killed worker must cost nothing: every submission graded exactly once
(its task rerun on the other worker), each with the points its answers deserve and the same points as its twin
(every notebook is submitted by two students), one row per submission in a gradebook with no half-written
grade, and nothing left of the killed worker's kernel. And a cluster that cannot grade (no worker, a worker
of several threads, a SQLite gradebook with workers on other machines) is refused before grading, saying what to do;
and a sandbox's wrapper, killed with its grader before bubblewrap guards it, dies too.
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
import pytest
from pgserver import running_postgres

from course.grading import autograde as ag
from course.grading import parallel_grading as pg


CHAPTER = "ch01_os_history"
VARIANTS = Path(__file__).parent / "submissions" / CHAPTER
# distinct notebooks, each submitted twice: 12 submissions, enough that the killed worker has graded two and
# is grading its third (KILL_AT) while both workers still have submissions to take
NOTEBOOKS = 6
START_SECONDS = 60
GRADING_SECONDS = 600
KILL_AT = 3  # the killed worker's kernel during which it is killed
ORPHAN_SECONDS = 30  # how long what the killed worker started may take to die (it dies at once; a bound)


def _answer_sets() -> list[tuple[dict[str, str], dict[str, bool]]]:
    """``NOTEBOOKS`` answer sets, each with whether every solution cell in it is right: each exercise cycles
    through its reference solution and its right and wrong variants, offset per exercise."""
    options = {
        sid: [(True, source), *((kind == "right", p.read_text()) for kind in ("right", "wrong")
                                for p in sorted((VARIANTS / sid / kind).glob("*.py")))]
        for sid, source in ag.solution_sources(CHAPTER).items()
    }
    sets = []
    for k in range(NOTEBOOKS):
        chosen = {sid: opts[(k + 3 * i) % len(opts)] for i, (sid, opts) in enumerate(options.items())}
        sets.append(({sid: source for sid, (_, source) in chosen.items()}, {sid: right for sid, (right, _) in chosen.items()}))
    return sets


# A stand-in for a worker's machine: it starts the worker and stays its processes' last ancestor (a Linux
# "child subreaper": what the worker started and leaves behind becomes its child, not init's), reaps each one
# that ends, and exits once none is left. So while anything the worker started lives, it does not exit.
MACHINE = """
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
print(subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL).pid, flush=True)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"""


@dataclass
class Machine:
    """A worker's stand-in machine and the worker running there."""

    process: subprocess.Popen
    worker: int  # the worker's pid

    def all_gone(self, seconds: float) -> bool:
        """Whether everything the worker started has ended, waiting at most ``seconds`` for it."""
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def leftovers(self) -> list[str]:
        with contextlib.suppress(psutil.Error):
            return [" ".join(p.cmdline())[:200] for p in psutil.Process(self.process.pid).children(recursive=True)]
        return []

    def stop(self) -> None:
        """End the worker, and anything it left, and the machine."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.worker, signal.SIGTERM)
        if not self.all_gone(15):
            for pid in [p.pid for p in psutil.Process(self.process.pid).children(recursive=True)] + [self.process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _worker_machine(name: str, address_file: Path, env: dict[str, str]) -> Machine:
    argv = [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(address_file), "--nthreads", "1",
            "--no-nanny", "--no-dashboard", "--host", "127.0.0.1", "--name", name]
    machine = subprocess.Popen([sys.executable, "-c", MACHINE, *argv], env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with machine.stdout:
        return Machine(machine, int(machine.stdout.readline()))


@contextlib.contextmanager
def _cluster(tmp: Path, env: dict[str, str]) -> Iterator[tuple[str, dict[str, Machine], dict[str, str]]]:
    """``dask scheduler`` and two ``dask worker`` processes on loopback, each worker on a stand-in machine;
    yields the scheduler's address, and the workers' machines and addresses by name. The workers run without a
    nanny, so that killing one is the whole worker going, as when its machine dies; one thread each, as grading
    requires.

    Loopback rather than two network namespaces (``ip netns`` and veth pairs do work here as root): the workers
    reach the scheduler, PostgreSQL and the course folder as remote ones would (by TCP address, and a shared
    file system), and what the test proves (a task rerun, one write per submission) does not depend on the
    network between them; namespaces would need PostgreSQL and the scheduler listening beyond loopback, and
    names and subnets unique per test run, cleaned up after a crash, for no further proof.
    """
    from distributed import Client

    address_file = tmp / "scheduler.json"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                                  "0", "--no-dashboard", "--scheduler-file", str(address_file)], env=env,
                                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    machines: dict[str, Machine] = {}
    try:
        for name in ("w1", "w2"):
            machines[name] = _worker_machine(name, address_file, env)
        with Client(scheduler_file=str(address_file), timeout=f"{START_SECONDS}s") as client:
            client.wait_for_workers(2, timeout=START_SECONDS)
            address = client.scheduler.address
            addresses = {w["name"]: a for a, w in client.scheduler_info()["workers"].items()}
        yield address, machines, addresses
    finally:
        for machine in machines.values():
            machine.stop()
        scheduler.terminate()
        scheduler.wait(timeout=30)


def _running_kernel(pid: int) -> int:
    """The grading kernel among the processes that ``pid`` started (0 if none runs now): the kernel's own
    process inside its sandbox, not the sandbox's wrapper whose command line names it too."""
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                argv = " ".join(child.cmdline())
                if "-m course.grading.kernel" in argv and "course.grading.sandbox" not in argv:
                    return child.pid
    return 0


def _kill_mid_grade(machine: Machine, grading) -> None:
    """SIGKILL the machine's worker while it runs its ``KILL_AT``-th grading kernel (so both workers have
    graded some submissions by then)."""
    deadline, seen = time.monotonic() + GRADING_SECONDS, set()
    while len(seen) < KILL_AT:
        assert not grading.done() and time.monotonic() < deadline, f"the worker ran {len(seen)} kernels, not {KILL_AT}"
        seen |= {_running_kernel(machine.worker)} - {0}
        time.sleep(0.05)
    os.kill(machine.worker, signal.SIGKILL)


def _gradebook_rows(url: str) -> dict[str, int]:
    """Counts that a clean gradebook fixes: submissions, distinct students, notebooks, grades, unset grades."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as db:
        submissions, students = db.execute("SELECT COUNT(*), COUNT(DISTINCT student_id) FROM submitted_assignment").fetchone()
        return {
            "submissions": submissions, "students": students,
            "notebooks": db.execute("SELECT COUNT(*) FROM submitted_notebook").fetchone()[0],
            "grades": db.execute("SELECT COUNT(*) FROM grade").fetchone()[0],
            "unset": db.execute("SELECT COUNT(*) FROM grade WHERE auto_score IS NULL").fetchone()[0],
        }


@pytest.mark.slow
def test_a_worker_killed_mid_grade_costs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "10")
    sets = _answer_sets()
    expected = {f"{twin}{k:02d}": right for k, (_, right) in enumerate(sets) for twin in "ab"}
    with running_postgres() as url:
        monkeypatch.setenv("COURSE_DB_URL", url)
        course = tmp_path / "course"
        ag.make_course(CHAPTER, course)
        for student in expected:
            pg.submit(course, CHAPTER, student, sets[int(student[1:])][0])
        with _cluster(tmp_path, ag.nbgrader_env()) as (address, machines, workers), ThreadPoolExecutor(1) as driver:
            grading = driver.submit(pg.grade_chapter, course, CHAPTER, 2, quiet=True, cluster=address)
            _kill_mid_grade(machines["w1"], grading)
            results = grading.result(timeout=GRADING_SECONDS)
            killed_left = [] if machines["w1"].all_gone(ORPHAN_SECONDS) else machines["w1"].leftovers()
        rows = _gradebook_rows(url)
        grades = pg.gradebook_grades(course, CHAPTER)

    assert not [r for r in results if r.failure], pg.report(results)
    assert [r.student for r in results] == sorted(expected), pg.report(results)
    reruns = [r.student for r in results if r.rerun]
    assert len(reruns) == 1, f"exactly the submission being graded when its worker died is regraded: {reruns}"
    assert {r.job.worker for r in results if r.rerun} == {workers["w2"]}, "the rerun is not on the other worker"
    assert re.search(rf"^{reruns[0]} .*\(regraded from scratch", pg.report(results), re.MULTILINE), pg.report(results)
    graded_by = {r.job.worker for r in results}
    assert graded_by == set(workers.values()), f"both workers graded: {graded_by}"
    assert not killed_left, f"the killed worker's kernel or sandbox outlived it: {killed_left}"
    assert not [p for p in (course / pg.IN_PROGRESS).rglob("*") if p.is_file()], "a grading left its marker"

    exercises = {sid: ex.grade_ids for ex in ag.sections(CHAPTER) for sid in ex.solution_ids}
    for student, right in expected.items():
        for sid, is_right in right.items():
            got, out_of = (sum(p) for p in zip(*(grades[student][g] for g in exercises[sid]), strict=True))
            assert (got == out_of) == is_right, f"{student}'s {'right' if is_right else 'wrong'} {sid}: {got}/{out_of}"
        assert grades[student] == grades[f"{'b' if student[0] == 'a' else 'a'}{student[1:]}"], f"{student} and its twin"
    cells = len(next(iter(grades.values())))
    n = len(expected)
    assert rows == {"submissions": n, "students": n, "notebooks": n, "grades": n * cells, "unset": 0}, rows


class _StandInClient:
    """What ``check_workers`` asks a cluster: each worker's threads, and the result of running a function on
    every worker (here, each one's host name)."""

    def __init__(self, threads: dict[str, int], hosts: dict[str, str]) -> None:
        self.threads, self.hosts = threads, hosts

    def nthreads(self) -> dict[str, int]:
        return self.threads

    def run(self, function) -> dict[str, str]:
        return self.hosts


def test_a_cluster_that_cannot_grade_is_refused_before_grading_with_what_to_do() -> None:
    here, sqlite, postgres = socket.gethostname(), "sqlite:////course/gradebook.db", "postgresql+psycopg://g@db/gb"
    refused = {
        "The cluster has no worker": (_StandInClient({}, {}), postgres),
        "start them with `dask worker ADDRESS --nthreads 1`": (_StandInClient({"w1": 1, "w2": 4}, {}), postgres),
        "Set COURSE_DB_URL to a PostgreSQL URL": (_StandInClient({"w1": 1, "w2": 1}, {"w1": here, "w2": "other"}), sqlite),
    }
    for advice, (client, url) in refused.items():
        with pytest.raises(ag.GradingError, match=re.escape(advice)):
            pg.check_workers(client, url)
    pg.check_workers(_StandInClient({"w1": 1, "w2": 1}, {"w1": here, "w2": "other"}), postgres)
    pg.check_workers(_StandInClient({"w1": 1, "w2": 1}, {"w1": here, "w2": here}), sqlite)


# A grader that starts a sandbox's wrapper (which arms itself to die with the grader, then waits), says the
# wrapper's pid once it is armed, and is SIGKILLed, as a worker killed before bubblewrap's own guard runs.
_DOOMED_GRADER = """
import os, signal, subprocess, sys
wrapper = ("import sys, time; from course.grading import sandbox; sandbox._die_with(int(sys.argv[1])); "
           "print('armed', flush=True); time.sleep(600)")
child = subprocess.Popen([sys.executable, "-c", wrapper, str(os.getpid())], stdout=subprocess.PIPE, text=True)
print(child.pid, child.stdout.readline().strip(), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_sandbox_wrapper_dies_with_its_grader_and_ends_when_it_is_already_gone() -> None:
    grader = subprocess.run([sys.executable, "-c", _DOOMED_GRADER], env=ag.nbgrader_env(), capture_output=True,
                            text=True, timeout=60)
    pid, armed = grader.stdout.split()
    assert armed == "armed" and grader.returncode == -signal.SIGKILL, grader.stdout + grader.stderr
    try:
        psutil.Process(int(pid)).wait(timeout=ORPHAN_SECONDS)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        os.kill(int(pid), signal.SIGKILL)
        pytest.fail("the wrapper outlived its grader")
    late = subprocess.run([sys.executable, "-c", "from course.grading import sandbox; sandbox._die_with(1); print('on')"],
                          env=ag.nbgrader_env(), capture_output=True, text=True, timeout=60)
    assert (late.returncode, late.stdout) == (1, ""), "a wrapper whose grader is gone must end before the kernel starts"
