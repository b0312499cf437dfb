# wrong: returns milliseconds instead of seconds
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
            worker = threading.Thread(target=nothing)
        else:
            worker = multiprocessing.get_context(kind).Process(target=nothing)
        worker.start()
        worker.join()
        costs.append(1000 * (time.perf_counter() - begin))
    return costs
