# wrong: catches get_context's ValueError for an unknown kind and measures processes of the default start method instead
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
            try:
                context = multiprocessing.get_context(kind)
            except ValueError:
                context = multiprocessing.get_context()
            worker = context.Process(target=nothing)
        worker.start()
        worker.join()
        costs.append(time.perf_counter() - begin)
    return costs
