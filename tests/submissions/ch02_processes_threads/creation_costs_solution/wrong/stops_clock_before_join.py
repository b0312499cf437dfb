# wrong: stops the clock after start() and joins afterwards, so the process's run and exit are not counted
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
        costs.append(time.perf_counter() - begin)
        worker.join()
    return costs
