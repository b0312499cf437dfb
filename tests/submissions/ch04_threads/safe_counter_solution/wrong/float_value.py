# wrong: correct locking, but value is a float, not an int
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0.0
        self._lock = threading.Lock()

    def increment(self):
        with self._lock:
            self.value += 1
