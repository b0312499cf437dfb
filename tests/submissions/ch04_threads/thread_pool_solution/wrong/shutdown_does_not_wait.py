# wrong: shutdown() tells the workers to stop at once, dropping queued tasks
import queue
import threading
from concurrent.futures import Future


class ThreadPool:
    def __init__(self, max_workers):
        self._tasks = queue.Queue()
        self._stop = threading.Event()
        self._workers = [threading.Thread(target=self._work, daemon=True) for _ in range(max_workers)]
        for w in self._workers:
            w.start()

    def _work(self):
        while not self._stop.is_set():
            task = self._tasks.get()
            if task is None:
                return
            future, fn, args, kwargs = task
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as e:
                future.set_exception(e)

    def submit(self, fn, *args, **kwargs):
        if self._stop.is_set():
            raise RuntimeError("shut down")
        future = Future()
        self._tasks.put((future, fn, args, kwargs))
        return future

    def map(self, fn, iterable):
        return [f.result() for f in [self.submit(fn, x) for x in iterable]]

    def shutdown(self, wait=True):
        self._stop.set()
        for _ in self._workers:
            self._tasks.put(None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
