# wrong: changes the kernel's default start method (set_start_method(kind, force=True)) to get processes of that kind
import multiprocessing
import threading
import time

from course.workloads import nothing


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    if kind != "thread":
        multiprocessing.set_start_method(kind, force=True)
    costs = []
    for _ in range(count):
        begin = time.perf_counter()
        worker = threading.Thread(target=nothing) if kind == "thread" else multiprocessing.Process(target=nothing)
        worker.start()
        worker.join()
        costs.append(time.perf_counter() - begin)
    return costs
