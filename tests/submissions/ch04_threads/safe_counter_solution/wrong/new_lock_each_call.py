# wrong: a new lock per call protects nothing, because no two threads ever share it
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0

    def increment(self):
        with threading.Lock():
            self.value += 1
