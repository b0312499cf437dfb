# wrong: starts every worker, then joins them all, and reports each one's start-to-join time: the workers overlap
import multiprocessing
import threading
import time

from course.workloads import nothing


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    workers, begins = [], []
    for _ in range(count):
        begins.append(time.perf_counter())
        make = threading.Thread if kind == "thread" else multiprocessing.get_context(kind).Process
        worker = make(target=nothing)
        worker.start()
        workers.append(worker)
    costs = []
    for worker, begin in zip(workers, begins, strict=True):
        worker.join()
        costs.append(time.perf_counter() - begin)
    return costs
