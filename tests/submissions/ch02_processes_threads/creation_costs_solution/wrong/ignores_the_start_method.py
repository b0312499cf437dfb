# wrong: always uses multiprocessing.Process, i.e. the default start method, whatever kind asks for
import multiprocessing
import threading
import time

from course.workloads import nothing


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    costs = []
    for _ in range(count):
        begin = time.perf_counter()
        worker = threading.Thread(target=nothing) if kind == "thread" else multiprocessing.Process(target=nothing)
        worker.start()
        worker.join()
        costs.append(time.perf_counter() - begin)
    return costs
