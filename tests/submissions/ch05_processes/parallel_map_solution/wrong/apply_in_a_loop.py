# wrong: Pool.apply in a loop waits for each task before it sends the next (the original's confusion)
import multiprocessing


def parallel_map(fn, items, workers):
    with multiprocessing.Pool(workers) as pool:
        return [pool.apply(fn, (x,)) for x in items]
