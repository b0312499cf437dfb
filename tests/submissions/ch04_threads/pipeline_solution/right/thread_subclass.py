# right: consumers as a Thread subclass that keep their own results and their own failure (a loop with `is`: iter(get, SENTINEL) would compare with ==)
import queue
import threading

SENTINEL = object()


class Consumer(threading.Thread):
    def __init__(self, tasks, worker, failed):
        super().__init__()
        self.tasks, self.worker, self.failed = tasks, worker, failed
        self.results, self.error = [], None

    def run(self):
        while (item := self.tasks.get()) is not SENTINEL:
            if self.failed.is_set():
                continue
            try:
                self.results.append(self.worker(item))
            except Exception as error:
                self.error = error
                self.failed.set()


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks = queue.Queue(maxsize)
    failed = threading.Event()
    consumers = [Consumer(tasks, worker, failed) for _ in range(n_consumers)]
    for c in consumers:
        c.start()
    for item in items:
        if failed.is_set():
            break
        tasks.put(item)
    for _ in consumers:
        tasks.put(SENTINEL)
    for c in consumers:
        c.join()
    for c in consumers:
        if c.error is not None:
            raise c.error
    return [r for c in consumers for r in c.results]
