# right: a read-only property over a private count, with __slots__
import threading


class SafeCounter:
    __slots__ = ("_count", "_lock")

    def __init__(self):
        self._count = 0
        self._lock = threading.Lock()

    @property
    def value(self):
        return self._count

    def increment(self):
        with self._lock:
            self._count += 1
