# right: own workers and queue; concurrent.futures.Future only as the result object
import queue
import threading
from concurrent.futures import Future


class ThreadPool:
    def __init__(self, max_workers):
        self._tasks = queue.SimpleQueue()
        self._closed = False
        self._guard = threading.Lock()
        self._workers = [threading.Thread(target=self._work, name=f"pool-{i}") for i in range(max_workers)]
        for w in self._workers:
            w.start()

    def _work(self):
        while True:
            task = self._tasks.get()
            if task is None:
                break
            future, fn, args, kwargs = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as e:
                future.set_exception(e)

    def submit(self, fn, *args, **kwargs):
        with self._guard:
            if self._closed:
                raise RuntimeError("cannot schedule new tasks after shutdown")
            future = Future()
            self._tasks.put((future, fn, args, kwargs))
            return future

    def map(self, fn, iterable):
        futures = [self.submit(fn, x) for x in iterable]
        for f in futures:
            yield f.result()

    def shutdown(self, wait=True):
        with self._guard:
            if not self._closed:
                self._closed = True
                for _ in self._workers:
                    self._tasks.put(None)
        if wait:
            for w in self._workers:
                w.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown(wait=True)
        return False
