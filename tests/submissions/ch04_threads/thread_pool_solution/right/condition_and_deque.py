# right: a deque guarded by a Condition instead of queue.Queue; results in a small class
import collections
import threading


class Result:
    def __init__(self):
        self._ready = threading.Event()
        self._outcome = None

    def result(self, timeout=None):
        if not self._ready.wait(timeout):
            raise TimeoutError()
        ok, value = self._outcome
        if not ok:
            raise value
        return value


class ThreadPool:
    def __init__(self, max_workers):
        self._jobs = collections.deque()
        self._cond = threading.Condition()
        self._open = True
        self._threads = []
        for _ in range(max_workers):
            t = threading.Thread(target=self._loop, daemon=True)
            t.start()
            self._threads.append(t)

    def _loop(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._jobs or not self._open)
                if not self._jobs:
                    return
                res, fn, args, kwargs = self._jobs.popleft()
            try:
                res._outcome = (True, fn(*args, **kwargs))
            except Exception as e:
                res._outcome = (False, e)
            res._ready.set()

    def submit(self, fn, *args, **kwargs):
        res = Result()
        with self._cond:
            if not self._open:
                raise RuntimeError("pool is shut down")
            self._jobs.append((res, fn, args, kwargs))
            self._cond.notify()
        return res

    def map(self, fn, iterable):
        return [r.result() for r in [self.submit(fn, x) for x in iterable]]

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
