# right: an RLock works as well as a Lock here
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0
        self._lock = threading.RLock()

    def increment(self):
        with self._lock:
            self.value += 1
