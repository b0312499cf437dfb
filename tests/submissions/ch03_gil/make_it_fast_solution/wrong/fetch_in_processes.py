# wrong: fetches in a process pool, as if waiting needed cores (and fetch, a local function, cannot be pickled)
from concurrent.futures import ProcessPoolExecutor


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    with ProcessPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch, urls))


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    with ProcessPoolExecutor() as pool:
        return list(pool.map(work, items))
