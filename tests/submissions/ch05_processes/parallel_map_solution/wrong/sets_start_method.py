# wrong: switches the whole program to fork with set_start_method(force=True), whatever the caller chose
import multiprocessing


def parallel_map(fn, items, workers):
    multiprocessing.set_start_method("fork", force=True)
    with multiprocessing.Pool(workers) as pool:
        return pool.map(fn, items)
