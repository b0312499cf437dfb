"""The course's benchmarks (``./dev bench``): measured side by side in one run, printed as figures.

Per chapter: the notebook's execution time, its graded test cells' share, its slowest cell, and nbgrader's autograde time per
submission (start-up cost separated from the per-notebook cost). For Chapter 4 also: the throughput of
the reference ThreadPool on many tiny tasks as a ratio to concurrent.futures.ThreadPoolExecutor's. For
Chapter 6: 10 000 sleeping asyncio tasks against 10 000 sleeping threads, time and memory (the notebook
stops threads at 1 000 to stay quick).

For Chapter 4 also (``./dev bench checks [--submissions N]`` alone): the exercise cells of the same mixed
submissions executed with today's checks (course.interleave's scheduler on virtual time) and with the
previous method's (real-time rendezvous and timers: the checks, test cells and course.amplify of commit
``310b3f2^``, read from git), one fresh kernel per notebook, per-submission seconds and their ratio; and the
same submissions autograded whole, one at a time, by today's notebook and by that commit's (its checks in the
kernels' copy of the package), through the same grader.

``./dev bench parallel [--submissions N]`` (long, so apart): the same N Chapter 4 submissions graded in one
fresh course by plain ``nbgrader autograde`` and in another by ``python -m course autograde --jobs 2``, and
the per-submission cost of kernel isolation (``COURSE_ISOLATION=off`` against on, Chapter 1).

``./dev bench cluster [--submissions N]``: the same N Chapter 1 submissions graded on a local Dask cluster of 1, 2 and
4 workers: throughput, its ratio to one worker, and each job's queued, started and finished times.

``./dev bench grading [--submissions N]``: what the test suite's grading costs, the same N mixed answers of
each chapter graded the way the suite graded before (per group of students a course of its own, made by
``nbgrader generate_assignment`` and graded by ``nbgrader autograde``, two groups at once, every cell run) and
the way it grades now (``course.grading.autograde``: one course copied from a template, the parallel grader,
teaching demos left out) with 2 and 4 at once; wall time, CPU-seconds, and the ratios.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from unittest import mock

import nbformat

from course.grading import autograde as ag
from course.grading.kernel_client import NotebookRunner
from course.grading.parallel_grading import gradebook_grades, submit


def execution_times(chapter: str) -> tuple[float, float, str, float]:
    """Execute the source notebook; return total seconds, the slowest cell's seconds and its first line,
    and the seconds its graded test cells took (the checks' own cost, without the teaching cells)."""
    path = ag.source_notebook(chapter)
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookRunner(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    total = time.perf_counter() - started
    slowest, label, tests = 0.0, "", 0.0
    for cell in nb.cells:
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            seconds = (datetime.fromisoformat(timing["shell.execute_reply"].rstrip("Z"))
                       - datetime.fromisoformat(timing["iopub.execute_input"].rstrip("Z"))).total_seconds()
            if cell.metadata.get("nbgrader", {}).get("grade"):
                tests += seconds
            if seconds > slowest:
                slowest, label = seconds, cell.source.strip().splitlines()[0][:60]
    return total, slowest, label, tests


def autograde_cost(chapter: str, copies: int = 4) -> tuple[float, float]:
    """Seconds of fixed nbgrader cost per autograde run, and seconds per submitted notebook."""
    solutions = ag.source_notebook(chapter)

    def timed(n: int) -> float:
        started = time.perf_counter()
        ag.autograde(chapter, {f"s{i}": solutions for i in range(n)})
        return time.perf_counter() - started

    one, many = timed(1), timed(copies)
    per_notebook = (many - one) / (copies - 1)
    return one - per_notebook, per_notebook


def reference_thread_pool() -> type:
    """The ThreadPool class of Chapter 4's reference solution, defined from the source notebook."""
    namespace: dict = {}
    exec(compile(ag.solution_sources("ch04_threads")["thread_pool_solution"], "thread_pool_solution", "exec"), namespace)
    return namespace["ThreadPool"]


def pool_throughput(pool_class: type, tasks: int, workers: int = 4) -> float:
    """Tiny tasks per second through submit() and result()."""
    with pool_class(workers) as pool:
        started = time.perf_counter()
        futures = [pool.submit(abs, -i) for i in range(tasks)]
        for f in futures:
            f.result()
        return tasks / (time.perf_counter() - started)


def thread_pool_ratio(tasks: int = 20_000, rounds: int = 3) -> tuple[float, float]:
    """Best throughput of the reference ThreadPool and of ThreadPoolExecutor, measured alternately."""
    ours, theirs = reference_thread_pool(), ThreadPoolExecutor
    best = {ours: 0.0, theirs: 0.0}
    for _ in range(rounds):
        for cls in (ours, theirs):
            best[cls] = max(best[cls], pool_throughput(cls, tasks))
    return best[ours], best[theirs]


def main(chapters: list[str] | None = None) -> None:
    chosen = chapters or ag.chapters()
    print(f"{'chapter':24} {'notebook s':>10} {'test cells s':>12} {'slowest cell s':>15}  slowest cell")
    for chapter in chosen:
        total, slowest, label, tests = execution_times(chapter)
        print(f"{chapter:24} {total:10.1f} {tests:12.1f} {slowest:15.1f}  {label}")
    print(f"\n{'chapter':24} {'autograde start-up s':>21} {'per submission s':>17}")
    for chapter in chosen:
        fixed, per = autograde_cost(chapter)
        print(f"{chapter:24} {fixed:21.1f} {per:17.1f}")
    if "ch06_coroutines" in chosen:
        from course.coroutines import measure_sleepers

        tasks, threads = measure_sleepers("tasks", 10_000), measure_sleepers("threads", 10_000)
        print("\n10 000 sleepers     start s  finish s  memory MiB")
        for cost in (tasks, threads):
            print(f"{cost.kind:18} {cost.start_seconds:8.2f} {cost.finish_seconds:9.2f} {cost.memory_kib / 1024:11.1f}")
        print(f"threads/tasks: start ×{threads.start_seconds / tasks.start_seconds:.1f}, "
              f"memory ×{threads.memory_kib / max(tasks.memory_kib, 1):.1f}")
    if "ch04_threads" in chosen:
        check_methods()
        autograde_methods()
        ours, theirs = thread_pool_ratio()
        print(f"\nThreadPool (reference solution): {ours:,.0f} tiny tasks/s; ThreadPoolExecutor: {theirs:,.0f} "
              f"tasks/s; ratio {ours / theirs:.2f} (best of 3 alternating rounds of 20,000 tasks, 4 workers)")


BEFORE_SCHEDULER = "310b3f2^"  # the last commit whose Chapter 4 checks used rendezvous and real-time timers


def _git_show(commit: str, path: str) -> str:
    return subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ag.REPO, check=True, capture_output=True,
                          text=True).stdout


def _previous_checks(folder: Path) -> str:
    """Write the previous method's course.amplify and Chapter 4 checks as package ``course_before`` in ``folder``;
    return the name of its checks module."""
    package = folder / "course_before"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "amplify.py").write_text(_git_show(BEFORE_SCHEDULER, "course/amplify.py"))
    checks = _git_show(BEFORE_SCHEDULER, "course/checks/ch04_threads.py")
    (package / "ch04_threads.py").write_text(checks.replace("from course.amplify import", "from course_before.amplify import"))
    return "course_before.ch04_threads"


def _exercise_cells(notebook: nbformat.NotebookNode, answers: dict[str, str], checks: str | None) -> nbformat.NotebookNode:
    """The cells from ``## Exercises`` on, with ``answers`` in the solution cells and, if ``checks`` is given, the
    test cells importing that module instead of course.checks.ch04_threads."""
    first = next(i for i, c in enumerate(notebook.cells) if c.source.startswith("## Exercises"))
    cells = []
    for cell in notebook.cells[first:]:
        if cell.cell_type != "code":
            continue
        cell = nbformat.from_dict(dict(cell))
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
        elif checks:
            cell.source = cell.source.replace("from course.checks import ch04_threads as checks", f"import {checks} as checks")
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata)


def _executed_seconds(notebook: nbformat.NotebookNode, folder: Path) -> float:
    """Seconds the cells of ``notebook`` took to execute in a fresh kernel (kernel start-up not counted);
    a cell that fails is a wrong answer's verdict, not an error of the benchmark."""
    client = NotebookRunner(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    total = 0.0
    for cell in notebook.cells:
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            total += (datetime.fromisoformat(timing["shell.execute_reply"].rstrip("Z"))
                      - datetime.fromisoformat(timing["iopub.execute_input"].rstrip("Z"))).total_seconds()
    return total


def check_methods(submissions: int = 4) -> tuple[float, float]:
    """Print the per-submission seconds of Chapter 4's exercise cells with today's checks and with the previous
    method's, on the same mixed submissions in the same run, and their ratio; return both figures."""
    chapter = "ch04_threads"
    today = nbformat.read(ag.source_notebook(chapter), as_version=4)
    before = nbformat.reads(_git_show(BEFORE_SCHEDULER, f"source/{chapter}/{chapter}.ipynb"), as_version=4)
    seconds = {"today": 0.0, "before": 0.0}
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as tmp:
        folder = Path(tmp)
        old = _previous_checks(folder)
        path = os.pathsep.join([str(folder), str(ag.REPO), os.environ.get("PYTHONPATH", "")])
        with mock.patch.dict(os.environ, {"PYTHONPATH": path}):
            for answers in mixed_answers(chapter, submissions):
                seconds["today"] += _executed_seconds(_exercise_cells(today, answers, None), folder)
                seconds["before"] += _executed_seconds(_exercise_cells(before, answers, old), folder)
    now, then = seconds["today"] / submissions, seconds["before"] / submissions
    print(f"\nChapter 4 exercise cells, {submissions} mixed submissions, per submission: {now:.1f} s with today's checks "
          f"(scheduler, virtual time), {then:.1f} s with the previous method's (rendezvous, real-time timers, "
          f"{BEFORE_SCHEDULER}); ratio ×{then / now:.1f}")
    return now, then


def _course_before(answers: list[dict[str, str]], root: Path) -> Path:
    """A course at ``root`` generated from Chapter 4's source notebook of ``BEFORE_SCHEDULER``, with one submission
    per answer set (the answers to the cells that notebook has); return a copy of today's course package, under
    ``root``, whose Chapter 4 checks and course.amplify are that commit's: what its kernels must import."""
    chapter = "ch04_threads"
    root.mkdir()
    notebook = root / "before.ipynb"
    notebook.write_text(_git_show(BEFORE_SCHEDULER, f"source/{chapter}/{chapter}.ipynb"))
    ag.make_course_from_scratch(chapter, root, notebook)
    released = root / "release" / chapter / f"{chapter}.ipynb"
    cells = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nbformat.read(released, as_version=4).cells}
    for k, student_answers in enumerate(answers):
        submit(root, chapter, f"s{k:03d}", {sid: src for sid, src in student_answers.items() if sid in cells}, released)
    package = root / "package" / "course"
    shutil.copytree(ag.REPO / "course", package, ignore=shutil.ignore_patterns("__pycache__"))
    for module in ("course/amplify.py", "course/checks/ch04_threads.py"):
        (package.parent / module).write_text(_git_show(BEFORE_SCHEDULER, module))
    return package


def autograde_methods(submissions: int = 4) -> tuple[float, float]:
    """Print the per-submission seconds of autograding Chapter 4 today and by the previous method, the same
    answers through the same grader (nbgrader, sandbox, guard, demos left out) one submission at a time, in
    the same run: today's notebook and checks (scheduler, virtual time), and ``BEFORE_SCHEDULER``'s notebook with
    its own checks and course.amplify (rendezvous, real-time timers) in the kernels' copy of the package."""
    from course.grading import sandbox
    from course.grading.parallel_grading import grade_chapter

    chapter = "ch04_threads"
    answers = mixed_answers(chapter, submissions)
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="bench-methods-") as tmp:
        today = course_with(chapter, answers, Path(tmp, "today"))
        before = Path(tmp, "before")
        package = _course_before(answers, before)
        for name, root, kernel_package in (("today", today, sandbox.PACKAGE), ("before", before, package)):
            with mock.patch.object(sandbox, "PACKAGE", kernel_package):
                results = grade_chapter(root, chapter, jobs=1, force=True, quiet=True)
            if failed := [r for r in results if r.failure]:
                raise ag.GradingError(f"{len(failed)} {name} submissions not graded: {failed[0].failure}")
            seconds[name] = statistics.median(r.job.finished - r.job.started for r in results)
    now, then = seconds["today"], seconds["before"]
    print(f"\nChapter 4 autograde, {submissions} mixed submissions one at a time, median per submission (on its "
          f"worker: nbgrader's whole conversion, kernel start to gradebook): {now:.1f} s with today's checks "
          f"(scheduler, virtual time), {then:.1f} s with the previous method's ({BEFORE_SCHEDULER}: rendezvous, "
          f"real-time timers); ratio ×{then / now:.1f}")
    return now, then


PARALLEL_CHAPTER = "ch04_threads"


def mixed_answers(chapter: str, count: int) -> list[dict[str, str]]:
    """``count`` students' answers: each exercise cycles through its reference solution and its right and wrong
    variants in tests/submissions, offset per exercise, so students differ and about half the answers are wrong."""
    variants = ag.REPO / "tests" / "submissions" / chapter
    options = {
        sid: [source, *(p.read_text() for v in ("right", "wrong") for p in sorted((variants / sid / v).glob("*.py")))]
        for sid, source in ag.solution_sources(chapter).items()
    }
    return [{sid: opts[(k + 3 * i) % len(opts)] for i, (sid, opts) in enumerate(options.items())} for k in range(count)]


def course_with(chapter: str, answers: list[dict[str, str]], root: Path) -> Path:
    """A fresh course at ``root`` with one submission per answer set."""
    root.mkdir()
    ag.make_course(chapter, root)
    for k, student_answers in enumerate(answers):
        submit(root, chapter, f"s{k:03d}", student_answers)
    return root


def timed(command: str, run: Callable[[], subprocess.CompletedProcess]) -> float:
    """Wall seconds of a grading command; a clear error when it did not grade every submission."""
    started = time.perf_counter()
    done = run()
    if done.returncode != 0:
        raise ag.GradingError(f"`{command}` did not grade every submission:\n{(done.stdout + done.stderr)[-3000:]}")
    return time.perf_counter() - started


def plain_autograde(chapter: str, root: Path) -> float:
    """Wall seconds of plain ``nbgrader autograde`` in ``root``."""
    return timed(f"nbgrader autograde {chapter}", lambda: ag.nbgrader(["autograde", chapter], cwd=root))


def parallel_autograde(chapter: str, root: Path, jobs: int) -> float:
    """Wall seconds of ``python -m course autograde --jobs`` on the course at ``root``."""
    args = [sys.executable, "-m", "course", "autograde", chapter, "--jobs", str(jobs), "--root", str(root)]
    return timed(" ".join(args[1:]), lambda: subprocess.run(args, check=False, cwd=ag.REPO, capture_output=True, text=True))


def parallel_grading(submissions: int = 40, jobs: int = 2) -> None:
    """Print plain and parallel autograde of the same submissions side by side, and isolation's cost."""
    chapter = PARALLEL_CHAPTER
    answers = mixed_answers(chapter, submissions)
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        plain_root = course_with(chapter, answers, Path(tmp, "plain"))
        parallel_root = course_with(chapter, answers, Path(tmp, "parallel"))
        plain, parallel = plain_autograde(chapter, plain_root), parallel_autograde(chapter, parallel_root, jobs)
        same = gradebook_grades(plain_root, chapter) == gradebook_grades(parallel_root, chapter)
        print(f"{submissions} {chapter} submissions     wall s  per submission s")
        print(f"nbgrader autograde            {plain:7.1f} {plain / submissions:17.1f}")
        print(f"course autograde --jobs {jobs}     {parallel:7.1f} {parallel / submissions:17.1f}")
        print(f"plain/parallel: {plain / parallel:.2f}; identical scores in both gradebooks: {'yes' if same else 'NO'}")
    isolation_overhead()


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (graders, kernels), user and system."""
    import resource

    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def _measured(run: Callable[..., object], *args: object, **kwargs: object) -> tuple[float, float]:
    """Wall seconds and CPU-seconds of ``run(*args, **kwargs)``."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    run(*args, **kwargs)
    return time.perf_counter() - wall, _cpu_seconds() - cpu


def _graded_as_before(chapter: str, notebooks: dict[str, Path], tmp: Path, groups: int = 2) -> None:
    """The suite's old way: a course per group, each generated and graded by the nbgrader command line."""
    def one_group(k: int) -> None:
        root = tmp / f"before-{k}"
        root.mkdir()
        ag.make_course_from_scratch(chapter, root)
        for student in list(notebooks)[k::groups]:
            (root / "submitted" / student / chapter).mkdir(parents=True)
            shutil.copy(notebooks[student], root / "submitted" / student / chapter / f"{chapter}.ipynb")
        plain_autograde(chapter, root)

    with mock.patch.dict(os.environ, {"COURSE_RUN_DEMOS": "1"}), ThreadPoolExecutor(groups) as pool:
        list(pool.map(one_group, range(groups)))


def grading_drivers(submissions: int = 8, chapters: list[str] | None = None) -> None:
    """Print the suite's old and new ways of grading the same submissions side by side, per chapter."""
    print(f"{submissions} mixed submissions per chapter: wall s / CPU s, and old/new ratios")
    columns = ("before (2 at once)", "now, 2 at once", "now, 4 at once")
    print(f"{'chapter':24} " + " ".join(f"{c:>15}" for c in columns) + f" {'wall ratio':>11} {'CPU ratio':>10}")
    for chapter in chapters or ag.chapters():
        released = ag.REPO / "release" / chapter / f"{chapter}.ipynb"
        with tempfile.TemporaryDirectory(prefix="bench-drivers-") as folder:
            tmp = Path(folder)
            notebooks = {f"s{k:02d}": ag.with_cells_replaced(released, answers, tmp / f"s{k:02d}.ipynb")
                         for k, answers in enumerate(mixed_answers(chapter, submissions))}
            ag.make_course(chapter, tmp / "warm")  # the template is made once per machine: not a per-run cost
            before = _measured(_graded_as_before, chapter, notebooks, tmp)
            now2 = _measured(ag.autograde, chapter, notebooks, jobs=2)
            now4 = _measured(ag.autograde, chapter, notebooks, jobs=4)
        cells = " ".join(f"{w:8.1f} /{c:5.1f}" for w, c in (before, now2, now4))  # wall / CPU
        print(f"{chapter:24} {cells}   ×{before[0] / now4[0]:5.2f}    ×{before[1] / now4[1]:5.2f}")


def isolation_overhead(chapter: str = "ch01_os_history", submissions: int = 8, rounds: int = 2) -> None:
    """Print what the sandbox and guard add per submission: the same submissions graded by plain
    ``nbgrader autograde`` with ``COURSE_ISOLATION=off`` and on, alternating, best of ``rounds`` each.
    Chapter 1 grades fastest, so the overhead is the largest share of its cost."""
    answers = [ag.solution_sources(chapter)] * submissions
    best = {"off": float("inf"), "on": float("inf")}
    with tempfile.TemporaryDirectory(prefix="bench-isolation-") as tmp:
        for n in range(rounds):
            for isolation in best:
                root = course_with(chapter, answers, Path(tmp, f"{isolation}-{n}"))
                with mock.patch.dict(os.environ, {"COURSE_ISOLATION": isolation}):
                    best[isolation] = min(best[isolation], plain_autograde(chapter, root))
    print(f"kernel isolation ({chapter}, {submissions} submissions, best of {rounds}): {best['on']:.1f} s on, "
          f"{best['off']:.1f} s off: {(best['on'] - best['off']) / submissions:+.2f} s per submission")


CLUSTER_CHAPTER = "ch01_os_history"


def cluster_grading(submissions: int = 40, workers: tuple[int, ...] = (1, 2, 4)) -> None:
    """Grade the same mixed submissions on a local Dask cluster of 1, 2 and 4 workers (the code path
    ``--cluster`` takes too); print throughput, its ratio to one worker, and every job's queued, started and
    finished times, seconds from the first job queued, so the time a job waited for a worker shows."""
    from course.grading.parallel_grading import grade_chapter

    chapter = CLUSTER_CHAPTER
    answers = mixed_answers(chapter, submissions)
    rates, timelines = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        for n in workers:
            root = course_with(chapter, answers, Path(tmp, f"workers-{n}"))
            started = time.perf_counter()
            results = grade_chapter(root, chapter, n, quiet=True)
            rates[n] = submissions / (time.perf_counter() - started) * 60
            if failed := [r for r in results if r.failure]:
                raise ag.GradingError(f"{len(failed)} submissions not graded with {n} workers: {failed[0].failure}")
            timelines[n] = [r.job for r in results]
    print(f"{submissions} {chapter} submissions on a local Dask cluster (load average {os.getloadavg()[0]:.1f})")
    print("workers  submissions/min  ratio to 1 worker  mean wait for a worker s")
    for n, rate in rates.items():
        wait = sum(j.started - j.queued for j in timelines[n]) / submissions
        print(f"{n:7d}  {rate:15.1f}  {rate / rates[workers[0]]:17.2f}  {wait:24.1f}")
    for n, jobs in timelines.items():
        print(f"\n{n} worker(s): job, worker, queued, started, finished (s from the first job queued)")
        first = min(j.queued for j in jobs)
        for j in sorted(jobs, key=lambda j: j.started):
            times = "  ".join(f"{t - first:6.1f}" for t in (j.queued, j.started, j.finished))
            print(f"  {j.item.student}  {j.worker:22}  {times}")
