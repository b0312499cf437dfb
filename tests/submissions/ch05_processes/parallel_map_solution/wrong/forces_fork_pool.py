# wrong: names the fork start method: the pool ignores the default it was asked to run under
import multiprocessing


def parallel_map(fn, items, workers):
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(fn, items)
