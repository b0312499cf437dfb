# wrong: sizes the thread pool by the cores (2), so at most two downloads wait at once
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fetch, urls))


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    with ProcessPoolExecutor() as pool:
        return list(pool.map(work, items))
