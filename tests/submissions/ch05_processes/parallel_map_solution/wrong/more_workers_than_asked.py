# wrong: a pool larger than asked for (one worker per item, up to 8): `workers` is not respected
import multiprocessing


def parallel_map(fn, items, workers):
    with multiprocessing.Pool(max(workers, min(len(items), 8))) as pool:
        return pool.map(fn, items)
