# wrong: workers spin on get_nowait() and burn a CPU while idle
import queue
import threading
from concurrent.futures import Future


class ThreadPool:
    def __init__(self, max_workers):
        self._tasks = queue.Queue()
        self._closed = False
        self._workers = [threading.Thread(target=self._work) for _ in range(max_workers)]
        for w in self._workers:
            w.start()

    def _work(self):
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                if self._closed:
                    return
                continue
            future, fn, args, kwargs = task
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as e:
                future.set_exception(e)

    def submit(self, fn, *args, **kwargs):
        if self._closed:
            raise RuntimeError("shut down")
        future = Future()
        self._tasks.put((future, fn, args, kwargs))
        return future

    def map(self, fn, iterable):
        return [f.result() for f in [self.submit(fn, x) for x in iterable]]

    def shutdown(self, wait=True):
        self._closed = True
        if wait:
            for w in self._workers:
                w.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
