# wrong: a Lock made when the cell runs: fork children share it, but each spawned child makes its own
import multiprocessing

LOCK = multiprocessing.Lock()


def add_many(counter, times):
    for _ in range(times):
        with LOCK:
            counter.value += 1
