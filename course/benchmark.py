"""The course's benchmarks (``./dev bench``): measured side by side in one run, printed as figures.

Per chapter: the notebook's execution time and its slowest cell, and nbgrader's autograde time per
submission (start-up cost separated from the per-notebook cost). For Chapter 4 also: the throughput of
the reference ThreadPool on many tiny tasks as a ratio to concurrent.futures.ThreadPoolExecutor's. For
Chapter 6: 10 000 sleeping asyncio tasks against 10 000 sleeping threads, time and memory (the notebook
stops threads at 1 000 to stay quick).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import nbformat
from nbclient import NotebookClient

from course import autograde as ag


def execution_times(chapter: str) -> tuple[float, float, str]:
    """Execute the source notebook; return total seconds, the slowest cell's seconds, and its first line."""
    path = ag.source_notebook(chapter)
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    total = time.perf_counter() - started
    slowest, label = 0.0, ""
    for cell in nb.cells:
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            seconds = (datetime.fromisoformat(timing["shell.execute_reply"].rstrip("Z"))
                       - datetime.fromisoformat(timing["iopub.execute_input"].rstrip("Z"))).total_seconds()
            if seconds > slowest:
                slowest, label = seconds, cell.source.strip().splitlines()[0][:60]
    return total, slowest, label


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
    print(f"{'chapter':24} {'notebook s':>10} {'slowest cell s':>15}  slowest cell")
    for chapter in chosen:
        total, slowest, label = execution_times(chapter)
        print(f"{chapter:24} {total:10.1f} {slowest:15.1f}  {label}")
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
        ours, theirs = thread_pool_ratio()
        print(f"\nThreadPool (reference solution): {ours:,.0f} tiny tasks/s; ThreadPoolExecutor: {theirs:,.0f} "
              f"tasks/s; ratio {ours / theirs:.2f} (best of 3 alternating rounds of 20,000 tasks, 4 workers)")
