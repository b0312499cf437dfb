# right: a Semaphore(1) is a lock too
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0
        self._guard = threading.Semaphore(1)

    def increment(self):
        with self._guard:
            self.value += 1
