# hostile: a right answer, then every later cell that ends in an expression hangs there (a class-level patch of
# IPython's displayhook), each waiting out the cell timeout
import queue
import threading
import time

from IPython.core.displayhook import DisplayHook


def _hang(self, result=None):
    while True:
        time.sleep(0.1)


DisplayHook.__call__ = _hang


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks, stop, results, lock = queue.Queue(maxsize), object(), [], threading.Lock()

    def consume():
        while (item := tasks.get()) is not stop:
            result = worker(item)
            with lock:
                results.append(result)

    consumers = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for consumer in consumers:
        consumer.start()
    for item in items:
        tasks.put(item)
    for _ in consumers:
        tasks.put(stop)
    for consumer in consumers:
        consumer.join()
    return results
