# wrong: times only the construction of each worker object, never starting it
import multiprocessing
import threading
import time

from course.workloads import nothing


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    costs = []
    for _ in range(count):
        begin = time.perf_counter()
        if kind == "thread":
            threading.Thread(target=nothing)
        else:
            multiprocessing.get_context(kind).Process(target=nothing)
        costs.append(time.perf_counter() - begin)
    return costs
