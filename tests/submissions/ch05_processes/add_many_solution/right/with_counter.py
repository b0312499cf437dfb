# right: a synchronized Value is its own context manager: `with counter:` takes get_lock()
def add_many(counter, times):
    for _ in range(times):
        with counter:
            counter.value += 1
