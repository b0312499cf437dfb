"""Autograde a chapter's submissions into an instructor's real gradebook, several at a time, on one machine or many.

``python -m course autograde CHAPTER --jobs N [--root COURSE_DIR] [--force]`` (``./dev autograde``) does what
``nbgrader autograde CHAPTER`` run in COURSE_DIR does, with N submissions in progress at once; with
``--cluster ADDRESS`` instead, on the workers of the Dask scheduler at ADDRESS (``course.grading.cluster``).

Design. Each student is one task (``Task``) on a Dask cluster: the one at ADDRESS, or a local cluster of N
single-threaded worker processes, so one machine and many are one code path. A worker loads nbgrader's own
``AutogradeApp`` once, from COURSE_DIR, exactly as the command line would (its config files, ``--force``),
and for each task runs nbgrader's ``Autograde`` converter restricted to that one student, as
``AutogradeApp.start`` and the formgrader (``NbGraderAPI.autograde``) do; kernels run in the usual sandbox
on the worker's machine. Compared with N ``nbgrader autograde`` processes each given a fixed share through
``student_id_exclude``:

- a slow submission (a deadlock waits out its time bounds) holds up one worker, not a whole share;
- nbgrader starts up (about 4 s) once per worker, as in that design, not once per student;
- each student is selected by name (``glob.escape``d), so a folder that appears meanwhile is never graded
  twice at once, and numeric student ids need no command-line quoting (nbgrader issue #743);
- nbgrader's log and success come back per student, so the report can say why each failure happened;
- a worker that dies mid-grade costs nothing: the cluster reruns its task on another worker (``_grade``).

Workers on other machines must see the course folder at the same path (a shared file system: nbgrader reads
``submitted/`` and writes ``autograded/``) and a gradebook server (``COURSE_DB_URL``, PostgreSQL): a SQLite
gradebook is refused unless every worker runs on this machine (``check_workers``).

The gradebook stays intact because every write is nbgrader's own and at most one process handles a given
student: before the workers start, this process opens the gradebook once (``Gradebook()`` creates missing
tables and the course row, which N processes opening a fresh gradebook together would race on) and checks
that the assignment exists; SQLite connections wait up to ``LOCK_WAIT_SECONDS`` for another worker's write
lock (pysqlite gives up after 5 s, and nbgrader then fails the submission with "database is locked"). A
rerun after a worker died updates that student's rows in place (nbgrader's ``update_or_create_submission``),
so each submission keeps one row.
"""
from __future__ import annotations

import contextlib
import glob
import logging
import os
import re
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from course.grading import autograde as ag
from course.grading import cluster as cluster_jobs

__all__ = ["Result", "failure_reason", "grade_chapter", "gradebook_grades", "report", "submit"]

LOCK_WAIT_SECONDS = 120

IN_PROGRESS = ".autograding"  # under the course folder: <chapter>/<student> exists while that student is graded


@dataclass
class Result:
    """One student's outcome: points from the gradebook, or why nbgrader did not grade the submission."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    failure: str = ""  # empty when graded
    skipped: bool = False  # already autograded and not regraded (no --force)
    log: str = ""  # what nbgrader logged while grading this submission
    job: cluster_jobs.Job | None = None  # where and when it was graded

    @property
    def rerun(self) -> bool:
        """Whether an earlier attempt died mid-grade (its worker killed) and this one regraded from scratch."""
        return bool(self.job and self.job.value and self.job.value.get("rerun"))


def load_app(root: Path, chapter: str, force: bool):
    """nbgrader's autograde app configured as ``nbgrader autograde CHAPTER [--force]`` run in ``root`` is,
    its console log silenced (the caller reports per student)."""
    from nbgrader.apps import AutogradeApp

    app = AutogradeApp()
    app.log.handlers = [logging.NullHandler()]
    with contextlib.chdir(root):
        app.initialize([chapter, *(["--force"] if force else [])])
        app.coursedir.root  # noqa: B018  (its default is the working directory: resolve it here)
    app.coursedir.assignment_id = chapter
    return app


def gradebook_url(coursedir) -> str:
    """The configured gradebook URL; for SQLite an absolute path (nbgrader resolves a relative one against
    the course root) and a lock wait long enough for N graders writing in turn."""
    from sqlalchemy.engine import make_url

    url = make_url(coursedir.db_url)
    if url.get_backend_name() != "sqlite":
        return coursedir.db_url
    url = url.set(database=str(Path(coursedir.root, url.database or "")))
    if "timeout" not in url.query:
        url = url.update_query_dict({"timeout": str(LOCK_WAIT_SECONDS)})
    return url.render_as_string(hide_password=False)


def check_gradebook(url: str, coursedir, chapter: str) -> None:
    """Open the gradebook once before any worker does, and fail with advice when it lacks the assignment."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if make_url(url).get_backend_name() == "sqlite" and not Path(database).is_file():
        raise ag.GradingError(
            f"There is no gradebook at {database}, so {coursedir.root} is not a course folder where "
            f"`nbgrader generate_assignment {chapter}` has run: pass --root the course folder."
        )
    with Gradebook(url, coursedir.course_id) as gb:
        try:
            gb.find_assignment(chapter)
        except MissingEntry:
            known = ", ".join(a.name for a in gb.assignments) or "none"
            raise ag.GradingError(
                f"The gradebook of {coursedir.root} has no assignment {chapter!r} (it has: {known}); "
                f"run `nbgrader generate_assignment {chapter}` there first, or check the chapter's name."
            ) from None


def submitted_students(coursedir, chapter: str) -> list[str]:
    """The students with a submission folder for ``chapter``, found the way nbgrader finds them."""
    pattern = coursedir.format_path(coursedir.submitted_directory, "(?P<student_id>[^/]+)", re.escape(chapter), escape=True)
    folders = glob.glob(coursedir.format_path(coursedir.submitted_directory, "*", glob.escape(chapter)))
    return sorted(m["student_id"] for f in folders if (m := re.fullmatch(pattern, f)) and os.path.isdir(f))


@dataclass(frozen=True)
class Task:
    """What a worker needs to grade one student: everything else it loads itself, once."""

    root: Path
    chapter: str
    force: bool
    url: str
    student: str


_apps: dict[tuple, object] = {}  # each worker process's AutogradeApp per course, loaded once by _app_for


def _app_for(task: Task):
    """This worker's nbgrader, loaded on its first task of this course and reused for every later one.

    A worker forked from a test run must not inherit its warnings-as-errors: nbgrader 0.9.6 triggers
    SQLAlchemy warnings on every submission, which would then fail it (and otherwise only clutter the log).
    """
    key = (task.root, task.chapter, task.force, task.url)
    if key not in _apps:
        if not task.root.is_dir():
            raise ag.GradingError(f"This worker ({socket.gethostname()}) has no course folder {task.root}: a worker "
                                  f"must see the course folder at the same path (a shared file system).")
        os.environ.update(ag.nbgrader_env())  # nbgrader and its kernels run from this process
        warnings.resetwarnings()
        warnings.filterwarnings("ignore", module="nbgrader")
        app = load_app(task.root, task.chapter, task.force)
        app.coursedir.db_url = task.url
        _apps[key] = app
    return _apps[key]


def _grade(task: Task) -> dict:
    """Autograde one student's submission as ``nbgrader autograde`` would; return nbgrader's success and log.

    A marker file lives while the student is being graded. Finding it at the start means that an earlier attempt
    died mid-grade (its worker killed; the cluster reruns the task): that attempt may have left an autograded
    folder that nbgrader without ``--force`` would take as done, so this one regrades with ``--force``. The
    gradebook needs nothing more: nbgrader updates a student's submission row in place, so a rerun leaves one.
    """
    from nbgrader.converters import Autograde
    from nbgrader.utils import capture_log, temp_attrs

    app = _app_for(task)
    marker = task.root / IN_PROGRESS / task.chapter / task.student
    rerun = marker.exists()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    try:
        with temp_attrs(app.coursedir, student_id=glob.escape(task.student)):
            converter = Autograde(coursedir=app.coursedir, parent=app)
            converter.force = converter.force or rerun
            return capture_log(converter) | {"rerun": rerun}
    finally:
        marker.unlink()


def _progress(done: dict[str, cluster_jobs.Job], total: int, elapsed: float, job: cluster_jobs.Job) -> str:
    """One line per finished submission: done/total, this one's time, the rate so far, and failures so far."""
    failed = sum(bool(j.error) or not j.value.get("success") for j in done.values())
    return (f"[{len(done)}/{total}] {job.item.student} done in {max(job.finished - job.started, 0):.1f} s · "
            f"{len(done) / elapsed * 60:.1f} submissions/min · {failed} not graded so far")


def failure_reason(log: str) -> str:
    """Why nbgrader did not grade a submission, from its log: the exception that ended its traceback,
    else its first error (or warning) message."""
    records = re.split(r"^(?=\[[A-Z]+\] )", log, flags=re.MULTILINE)
    for level in ("[ERROR] ", "[WARNING] "):
        found = [r.removeprefix(level).strip() for r in records if r.startswith(level)]
        for record in found:
            if record.startswith("Traceback"):
                return record.splitlines()[-1].strip()
        if found:
            return found[0].splitlines()[0]
    return "nbgrader wrote no autograded notebook and logged no reason"


def _result(coursedir, gb, chapter: str, job: cluster_jobs.Job) -> Result:
    """What became of a student's submission: the job, nbgrader's success, the autograded folder, the gradebook."""
    from nbgrader.api import MissingEntry

    student, outcome = job.item.student, job.value or {}
    if job.error:
        return Result(student, failure=f"its grading task failed: {job.error}", job=job)
    log = outcome.get("log", "")
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, chapter))
    if not (outcome["success"] and autograded.is_dir()):
        return Result(student, failure=failure_reason(log), log=log, job=job)
    try:
        submission = gb.find_submission(chapter, student)
    except MissingEntry:
        return Result(student, failure="nbgrader wrote an autograded notebook but no gradebook entry", log=log, job=job)
    return Result(student, submission.score, submission.max_score,
                  skipped="Skipping existing assignment" in log, log=log, job=job)


def grade_chapter(root: Path, chapter: str, jobs: int, force: bool = False, quiet: bool = False,
                  cluster: str | None = None) -> list[Result]:
    """Autograde every submission of ``chapter`` in the course at ``root``: one task per student, on the Dask
    cluster whose scheduler is at ``cluster``, else on a local cluster of ``jobs`` worker processes.

    Raises GradingError, before grading anything, when ``root`` is no course, the gradebook lacks the
    chapter, nobody submitted it, or the cluster's workers cannot grade into this gradebook. Prints a line as
    each submission is done, unless ``quiet``.
    """
    from nbgrader.api import Gradebook

    if not root.is_dir():
        raise ag.GradingError(f"There is no folder {root}: pass --root the course folder (the one with nbgrader_config.py).")
    coursedir = load_app(root, chapter, force).coursedir
    url = gradebook_url(coursedir)
    check_gradebook(url, coursedir, chapter)
    students = submitted_students(coursedir, chapter)
    if not students:
        where = coursedir.format_path(coursedir.submitted_directory, "*", chapter)
        raise ag.GradingError(f"Nobody has submitted {chapter}: {where} matches no folder; "
                              f"run `nbgrader collect {chapter}` first.")
    done: dict[str, cluster_jobs.Job] = {}
    started = time.monotonic()
    with cluster_jobs.jobs(cluster, min(jobs, len(students))) as client:
        if cluster:
            check_workers(client, url)
        tasks = [Task(root, chapter, force, url, student) for student in students]
        for job in cluster_jobs.run(client, _grade, tasks, name=lambda t: f"autograde-{t.chapter}-{t.student}"):
            done[job.item.student] = job
            if not quiet:
                print(_progress(done, len(students), time.monotonic() - started, job), flush=True)
    with Gradebook(url, coursedir.course_id) as gb:
        return [_result(coursedir, gb, chapter, done[student]) for student in students]


def check_workers(client, url: str) -> None:
    """Fail before grading when the cluster cannot grade: no worker, a worker that would run several nbgrader
    graders in one process, or a SQLite gradebook that workers on other machines would each write a copy of."""
    from sqlalchemy.engine import make_url

    threads = client.nthreads()
    if not threads:
        raise ag.GradingError("The cluster has no worker: start some with `dask worker ADDRESS --nthreads 1` "
                              "(./dev worker ADDRESS), then grade again.")
    if crowded := sorted(w for w, n in threads.items() if n != 1):
        raise ag.GradingError(f"Workers {', '.join(crowded)} run several threads; a worker grades one submission at "
                              f"a time: start them with `dask worker ADDRESS --nthreads 1` (more workers per machine "
                              f"with --nworkers).")
    hosts = set(cluster_jobs.worker_hosts(client).values()) - {socket.gethostname()}
    if make_url(url).get_backend_name() == "sqlite" and hosts:
        raise ag.GradingError(f"The gradebook is a SQLite file, but workers run on {', '.join(sorted(hosts))}: "
                              f"several machines need a gradebook server. Set COURSE_DB_URL to a PostgreSQL URL "
                              f"(postgresql+psycopg://user@host/db) here and on every worker.")


def report(results: list[Result]) -> str:
    """One line per student: points, or why the submission was not graded."""
    width = max(len(r.student) for r in results)
    lines = []
    for r in results:
        if r.failure:
            lines.append(f"{r.student:{width}}  NOT GRADED: {r.failure}")
        else:
            note = "  (already autograded; --force regrades it)" if r.skipped else ""
            note += "  (regraded from scratch: an earlier attempt died mid-grade)" if r.rerun else ""
            lines.append(f"{r.student:{width}}  {r.score:g}/{r.max_score:g}{note}")
    return "\n".join(lines)


def submit(course: Path, chapter: str, student: str, answers: dict[str, str], released: Path | None = None) -> Path:
    """Put a student's submission where ``nbgrader collect`` would: the released notebook (the course's, unless
    ``released`` names another) with ``answers`` (solution cell id → source) in place, under
    submitted/<student>/<chapter>/. Tests and benchmarks use it."""
    folder = course / "submitted" / student / chapter
    folder.mkdir(parents=True)
    released = released or ag.REPO / "release" / chapter / f"{chapter}.ipynb"
    return ag.with_cells_replaced(released, answers, folder / f"{chapter}.ipynb")


def gradebook_grades(course: Path, chapter: str) -> dict[str, dict[str, tuple[float, float]]]:
    """Every student's (points, maximum) per grade cell of ``chapter``, as the course's gradebook holds them:
    what tests and benchmarks compare between gradings."""
    from nbgrader.api import Gradebook

    with Gradebook(ag.db_url(course)) as gb:
        return {
            s.student_id: {g.name: (g.score, g.max_score) for nb in s.notebooks for g in nb.grades}
            for s in gb.find_assignment(chapter).submissions
        }
