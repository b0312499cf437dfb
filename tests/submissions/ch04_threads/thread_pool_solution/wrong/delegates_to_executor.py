# wrong: wraps concurrent.futures.ThreadPoolExecutor instead of building the pool
from concurrent.futures import ThreadPoolExecutor


class ThreadPool:
    def __init__(self, max_workers):
        self._executor = ThreadPoolExecutor(max_workers)

    def submit(self, fn, *args, **kwargs):
        return self._executor.submit(fn, *args, **kwargs)

    def map(self, fn, iterable):
        return list(self._executor.map(fn, iterable))

    def shutdown(self, wait=True):
        self._executor.shutdown(wait=wait)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
