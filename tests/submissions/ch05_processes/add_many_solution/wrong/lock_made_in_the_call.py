# wrong: a new Lock in every call: no other process ever waits for it
import multiprocessing


def add_many(counter, times):
    lock = multiprocessing.Lock()
    for _ in range(times):
        with lock:
            counter.value += 1
