# wrong: a race in a rarely-taken path: the first increment takes a fast path without the lock, so two first calls both write 1
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def increment(self):
        if self.value == 0:
            self.value = 1
            return
        with self._lock:
            self.value += 1
