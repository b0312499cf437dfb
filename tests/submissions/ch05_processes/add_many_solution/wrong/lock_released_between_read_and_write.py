# wrong: the read and the write are each locked, but the lock is let go in between: another process gets in
def add_many(counter, times):
    lock = counter.get_lock()
    for _ in range(times):
        with lock:
            current = counter.value
        with lock:
            counter.value = current + 1
