# wrong: keeps the lock of the first counter it was given, and uses it for every later counter
_lock = []


def add_many(counter, times):
    if not _lock:
        _lock.append(counter.get_lock())
    for _ in range(times):
        with _lock[0]:
            counter.value += 1
