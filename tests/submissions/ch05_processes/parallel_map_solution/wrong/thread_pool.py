# wrong: a ThreadPoolExecutor: all tasks run in the notebook's process, one at a time under its GIL
from concurrent.futures import ThreadPoolExecutor


def parallel_map(fn, items, workers):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))
