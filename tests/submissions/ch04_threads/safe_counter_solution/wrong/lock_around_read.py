# wrong: only the read is locked; the write happens after the lock is released
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def increment(self):
        with self.lock:
            current = self.value
        self.value = current + 1
