# wrong: measures the parent's CPU time (time.process_time), which stands still while it waits for the child
import multiprocessing
import threading
import time

from course.workloads import nothing


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    costs = []
    for _ in range(count):
        begin = time.process_time()
        if kind == "thread":
            worker = threading.Thread(target=nothing)
        else:
            worker = multiprocessing.get_context(kind).Process(target=nothing)
        worker.start()
        worker.join()
        costs.append(time.process_time() - begin)
    return costs
