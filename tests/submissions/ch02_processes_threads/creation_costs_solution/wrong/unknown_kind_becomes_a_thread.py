# wrong: makes a process only for a start method it knows and a thread for anything else, so a typo such as "threads" is measured as a thread
import multiprocessing
import threading
import time

from course.workloads import nothing


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    costs = []
    for _ in range(count):
        begin = time.perf_counter()
        if kind in multiprocessing.get_all_start_methods():
            worker = multiprocessing.get_context(kind).Process(target=nothing)
        else:
            worker = threading.Thread(target=nothing)
        worker.start()
        worker.join()
        costs.append(time.perf_counter() - begin)
    return costs
