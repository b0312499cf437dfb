# wrong: only the read is locked; another process reads the same value before this one writes
def add_many(counter, times):
    for _ in range(times):
        with counter.get_lock():
            current = counter.value
        counter.value = current + 1
