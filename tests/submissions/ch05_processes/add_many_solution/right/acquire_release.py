# right: acquire and release by hand, the release in a finally
def add_many(counter, times):
    lock = counter.get_lock()
    for _ in range(times):
        lock.acquire()
        try:
            counter.value = counter.value + 1
        finally:
            lock.release()
