# right: consumers as a Thread subclass that keep their own results
import queue
import threading

SENTINEL = object()


class Consumer(threading.Thread):
    def __init__(self, tasks, worker):
        super().__init__()
        self.tasks, self.worker, self.results = tasks, worker, []

    def run(self):
        for item in iter(self.tasks.get, SENTINEL):
            self.results.append(self.worker(item))


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks = queue.Queue(maxsize)
    consumers = [Consumer(tasks, worker) for _ in range(n_consumers)]
    for c in consumers:
        c.start()
    for item in items:
        tasks.put(item)
    for _ in consumers:
        tasks.put(SENTINEL)
    for c in consumers:
        c.join()
    return [r for c in consumers for r in c.results]
