# wrong: a lambda cannot be pickled, so the pool cannot send it to a worker process
import multiprocessing


def parallel_map(fn, items, workers):
    with multiprocessing.Pool(workers) as pool:
        return pool.map(lambda x: fn(x), items)
