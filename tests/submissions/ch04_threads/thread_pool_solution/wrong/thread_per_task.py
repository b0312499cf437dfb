# wrong: a new thread for every task (a semaphore caps them, but no worker is reused)
import threading
from concurrent.futures import Future


class ThreadPool:
    def __init__(self, max_workers):
        self._slots = threading.Semaphore(max_workers)
        self._threads = []
        self._closed = False

    def submit(self, fn, *args, **kwargs):
        if self._closed:
            raise RuntimeError("shut down")
        future = Future()

        def run():
            with self._slots:
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as e:
                    future.set_exception(e)

        t = threading.Thread(target=run)
        self._threads.append(t)
        t.start()
        return future

    def map(self, fn, iterable):
        return [f.result() for f in [self.submit(fn, x) for x in iterable]]

    def shutdown(self, wait=True):
        self._closed = True
        if wait:
            for t in self._threads:
                t.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
