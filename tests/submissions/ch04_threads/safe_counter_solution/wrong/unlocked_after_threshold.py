# wrong: a race in a rarely-taken path: past 10000 the counter stops locking, a count that a search of a few increments from 0 never reaches
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def increment(self):
        if self.value >= 10000:
            self.value += 1
            return
        with self._lock:
            self.value += 1
