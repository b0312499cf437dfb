# wrong: no lock: counter.value += 1 is a locked read, then a locked write, with room between them
def add_many(counter, times):
    for _ in range(times):
        counter.value += 1
