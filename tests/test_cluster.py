"""Grading on a Dask cluster: a scheduler and two workers, each a separate process (on loopback: see
``_cluster``), grade 20 Chapter 1 submissions into a real PostgreSQL, and one worker is SIGKILLed while its
kernel runs a student's notebook. The killed worker must cost nothing: every submission graded exactly once
(its task rerun on the other worker), each with the points its answers deserve and the same points as its twin
(every notebook is submitted by two students), one row per submission in a gradebook with no half-written
grade, and nothing left of the killed worker's kernel. And a cluster that cannot grade (no worker, a worker
of several threads, a SQLite gradebook with workers on other machines) is refused before grading, saying what to do.
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
from pathlib import Path

import psutil
import psycopg
import pytest
from pgserver import running_postgres

from course.grading import autograde as ag
from course.grading import parallel_grading as pg


CHAPTER = "ch01_os_history"
VARIANTS = Path(__file__).parent / "submissions" / CHAPTER
NOTEBOOKS = 10  # distinct notebooks, each submitted twice: 20 submissions
START_SECONDS = 60
GRADING_SECONDS = 600
KILL_AT = 3  # the killed worker's kernel during which it is killed


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


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *argv], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def _cluster(tmp: Path, env: dict[str, str]) -> Iterator[tuple[str, dict[str, subprocess.Popen], dict[str, str]]]:
    """``dask scheduler`` and two ``dask worker`` processes on loopback; yields the scheduler's address, and the
    workers' processes and addresses by name. The workers run without a nanny, so that killing one is the whole
    worker going, as when its machine dies; one thread each, as grading requires.

    Loopback rather than two network namespaces (``ip netns`` and veth pairs do work here as root): the workers
    reach the scheduler, PostgreSQL and the course folder as remote ones would (by TCP address, and a shared
    file system), and what the test proves (a task rerun, one write per submission) does not depend on the
    network between them; namespaces would need PostgreSQL and the scheduler listening beyond loopback, and
    names and subnets unique per test run, cleaned up after a crash, for no further proof.
    """
    from distributed import Client

    address_file = tmp / "scheduler.json"
    processes = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(address_file)], env)]
    try:
        for name in ("w1", "w2"):
            processes.append(_start(["distributed.cli.dask_worker", "--scheduler-file", str(address_file),
                                     "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                                     "--name", name], env))
        with Client(scheduler_file=str(address_file), timeout=f"{START_SECONDS}s") as client:
            client.wait_for_workers(2, timeout=START_SECONDS)
            address = client.scheduler.address
            addresses = {w["name"]: a for a, w in client.scheduler_info()["workers"].items()}
        yield address, dict(zip(("w1", "w2"), processes[1:], strict=True)), addresses
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                _stop(process)


def _kernel_of(pid: int) -> tuple[int, list[psutil.Process]]:
    """The grading kernel that process ``pid`` runs now (0 if none), and every process ``pid`` started."""
    with contextlib.suppress(psutil.Error):
        children = psutil.Process(pid).children(recursive=True)
        for child in children:
            with contextlib.suppress(psutil.Error):
                if "course.grading.kernel" in " ".join(child.cmdline()):
                    return child.pid, children
    return 0, []


def _kill_mid_grade(worker: subprocess.Popen, grading) -> list[psutil.Process]:
    """SIGKILL ``worker`` while it runs its ``KILL_AT``-th grading kernel (so both workers have graded some
    submissions by then); return every process it had started at that moment."""
    deadline, seen = time.monotonic() + GRADING_SECONDS, set()
    while True:
        kernel, started = _kernel_of(worker.pid)
        seen |= {kernel} - {0}
        if len(seen) == KILL_AT:
            break
        assert not grading.done() and time.monotonic() < deadline, f"the worker ran {len(seen)} kernels, not {KILL_AT}"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    return started


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
        with _cluster(tmp_path, ag.nbgrader_env()) as (address, processes, workers), ThreadPoolExecutor(1) as driver:
            grading = driver.submit(pg.grade_chapter, course, CHAPTER, 2, quiet=True, cluster=address)
            orphans = _kill_mid_grade(processes["w1"], grading)
            results = grading.result(timeout=GRADING_SECONDS)
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
    gone, alive = psutil.wait_procs(orphans, timeout=10)
    assert not alive, f"the killed worker's kernel outlived it: {alive}"
    assert not [p for p in (course / pg.IN_PROGRESS).rglob("*") if p.is_file()], "a grading left its marker"

    exercises = {sid: ex.grade_ids for ex in ag.exercises(CHAPTER) for sid in ex.solution_ids}
    for student, right in expected.items():
        for sid, is_right in right.items():
            got, out_of = (sum(p) for p in zip(*(grades[student][g] for g in exercises[sid]), strict=True))
            assert (got == out_of) == is_right, f"{student}'s {'right' if is_right else 'wrong'} {sid}: {got}/{out_of}"
        assert grades[student] == grades[f"{'b' if student[0] == 'a' else 'a'}{student[1:]}"], f"{student} and its twin"
    cells = len(next(iter(grades.values())))
    assert rows == {"submissions": 20, "students": 20, "notebooks": 20, "grades": 20 * cells, "unset": 0}, rows


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
