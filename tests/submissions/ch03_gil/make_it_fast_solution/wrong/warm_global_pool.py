# wrong: one process pool for every call, started and warmed up when the cell runs: never shut down, blind to the start method
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

POOL = ProcessPoolExecutor()
list(POOL.map(abs, range(8)))  # start the workers now, so that no call pays for them


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(fetch, urls))


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    return list(POOL.map(work, items))
