# right: explicit acquire/release with try/finally
from threading import Lock


class SafeCounter:
    def __init__(self):
        self.value = 0
        self.lock = Lock()

    def increment(self):
        self.lock.acquire()
        try:
            current = self.value
            self.value = current + 1
        finally:
            self.lock.release()
