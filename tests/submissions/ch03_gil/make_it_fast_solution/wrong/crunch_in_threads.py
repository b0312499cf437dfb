# wrong: computes in a thread pool, where the GIL lets one thread compute at a time
from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(fetch, urls))


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    with ThreadPoolExecutor() as pool:
        return list(pool.map(work, items))
