# right: perf_counter_ns converted to seconds, workers made by a small factory
import multiprocessing
import threading
import time

from course.workloads import nothing


def make(kind):
    if kind == "thread":
        return threading.Thread(target=nothing)
    return multiprocessing.get_context(kind).Process(target=nothing)


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    costs = []
    for _ in range(count):
        begin = time.perf_counter_ns()
        worker = make(kind)
        worker.start()
        worker.join()
        costs.append((time.perf_counter_ns() - begin) / 1e9)
    return costs
