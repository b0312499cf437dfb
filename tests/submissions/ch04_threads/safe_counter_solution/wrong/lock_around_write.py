# wrong: only the write is locked; two threads can still read the same old value
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def increment(self):
        current = self.value
        with self.lock:
            self.value = current + 1
