# wrong: lost wake-up: a worker checks for work before taking the lock, so a submit() between its check and its wait() notifies nobody; the wait's timeout turns the hang into a delay
import collections
import threading


class Future:
    def __init__(self):
        self._done = threading.Event()
        self._value = self._error = None

    def result(self, timeout=None):
        if not self._done.wait(timeout):
            raise TimeoutError()
        if self._error is not None:
            raise self._error
        return self._value


class ThreadPool:
    def __init__(self, max_workers):
        self._jobs = collections.deque()
        self._cond = threading.Condition()
        self._open = True
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(max_workers)]
        for t in self._threads:
            t.start()

    def _loop(self):
        while True:
            if not self._jobs and self._open:
                with self._cond:
                    self._cond.wait(timeout=0.2)
                continue
            with self._cond:
                if not self._jobs:
                    if not self._open:
                        return
                    continue
                future, fn, args, kwargs = self._jobs.popleft()
            try:
                future._value = fn(*args, **kwargs)
            except Exception as e:
                future._error = e
            future._done.set()

    def submit(self, fn, *args, **kwargs):
        future = Future()
        with self._cond:
            if not self._open:
                raise RuntimeError("pool is shut down")
            self._jobs.append((future, fn, args, kwargs))
            self._cond.notify()
        return future

    def map(self, fn, iterable):
        return [f.result() for f in [self.submit(fn, x) for x in iterable]]

    def shutdown(self, wait=True):
        with self._cond:
            self._open = False
            self._cond.notify_all()
        if wait:
            for t in self._threads:
                t.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
