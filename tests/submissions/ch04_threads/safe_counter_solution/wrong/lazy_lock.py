# wrong: makes its lock on the first increment, so two first calls that interleave between the check and the assignment each make their own lock (needs two preemptions in the right places)
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0
        self._lock = None

    def increment(self):
        if self._lock is None:
            self._lock = threading.Lock()
        with self._lock:
            self.value += 1
