# wrong: tries the lock without blocking and increments anyway when another thread holds it
import threading


class SafeCounter:
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def increment(self):
        got = self._lock.acquire(blocking=False)
        try:
            self.value += 1
        finally:
            if got:
                self._lock.release()
