# right: hold the lock for all the additions at once (fewer acquisitions, less interleaving)
def add_many(counter, times):
    with counter.get_lock():
        for _ in range(times):
            counter.value += 1
