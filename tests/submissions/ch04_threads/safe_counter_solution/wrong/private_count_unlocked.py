# wrong: a property reads under the lock, but increment itself does not take it
import threading


class SafeCounter:
    def __init__(self):
        self._count = 0
        self._lock = threading.Lock()

    @property
    def value(self):
        with self._lock:
            return self._count

    def increment(self):
        self._count = self._count + 1
