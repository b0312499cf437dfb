# wrong: shutdown(wait=False) joins the workers anyway, so it blocks until every submitted task has run
import queue
import threading


class Future:
    def __init__(self):
        self._done = threading.Event()
        self._value = None
        self._error = None

    def _finish(self, value=None, error=None):
        self._value, self._error = value, error
        self._done.set()

    def result(self, timeout=None):
        if not self._done.wait(timeout):
            raise TimeoutError("the task has not finished yet")
        if self._error is not None:
            raise self._error
        return self._value


class ThreadPool:
    def __init__(self, max_workers):
        self._tasks = queue.Queue()
        self._shut = False
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._work) for _ in range(max_workers)]
        for worker in self._workers:
            worker.start()

    def _work(self):
        while (task := self._tasks.get()) is not None:
            future, fn, args, kwargs = task
            try:
                future._finish(value=fn(*args, **kwargs))
            except BaseException as error:
                future._finish(error=error)

    def submit(self, fn, *args, **kwargs):
        with self._lock:
            if self._shut:
                raise RuntimeError("cannot submit to a pool that is shut down")
            future = Future()
            self._tasks.put((future, fn, args, kwargs))
        return future

    def map(self, fn, iterable):
        futures = [self.submit(fn, item) for item in iterable]
        return [future.result() for future in futures]

    def shutdown(self, wait=True):
        with self._lock:
            if not self._shut:
                self._shut = True
                for _ in self._workers:
                    self._tasks.put(None)
        for worker in self._workers:
            worker.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown(wait=True)
