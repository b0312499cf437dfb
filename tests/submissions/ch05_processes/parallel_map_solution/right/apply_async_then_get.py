# right: apply_async for every item first, then get() each result, in order
import multiprocessing


def parallel_map(fn, items, workers):
    with multiprocessing.Pool(workers) as pool:
        pending = [pool.apply_async(fn, (x,)) for x in items]
        return [result.get() for result in pending]
