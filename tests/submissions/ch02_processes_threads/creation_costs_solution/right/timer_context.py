# right: a context manager that times each worker, with time.monotonic
import contextlib
import multiprocessing
import threading
import time

from course.workloads import nothing


@contextlib.contextmanager
def stopwatch(into):
    begin = time.monotonic()
    yield
    into.append(time.monotonic() - begin)


def creation_costs(kind, count):
    """Seconds to create, start and join each of ``count`` workers of ``kind`` that run ``nothing``."""
    Worker = threading.Thread if kind == "thread" else multiprocessing.get_context(kind).Process
    costs = []
    for _ in range(count):
        with stopwatch(costs):
            worker = Worker(target=nothing)
            worker.start()
            worker.join()
    return costs
