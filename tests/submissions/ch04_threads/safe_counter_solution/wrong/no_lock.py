# wrong: no lock at all; a bare += happens to survive a plain stress test on CPython 3.10+
class SafeCounter:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1
