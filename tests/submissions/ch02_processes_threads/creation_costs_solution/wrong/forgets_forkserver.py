# wrong: knows fork and spawn only; for forkserver it falls back to multiprocessing.Process, the default start method
import multiprocessing
import threading
import time

from course.workloads import nothing

MAKERS = {
    "thread": threading.Thread,
    "fork": multiprocessing.get_context("fork").Process,
    "spawn": multiprocessing.get_context("spawn").Process,
}


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    make = MAKERS.get(kind, multiprocessing.Process)
    costs = []
    for _ in range(count):
        begin = time.perf_counter()
        worker = make(target=nothing)
        worker.start()
        worker.join()
        costs.append(time.perf_counter() - begin)
    return costs
