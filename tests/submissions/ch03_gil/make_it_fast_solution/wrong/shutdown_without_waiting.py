# wrong: shuts the process pool down with wait=False, so it returns while the workers are still ending, never joined
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(fetch, urls))


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    pool = ProcessPoolExecutor()
    results = list(pool.map(work, items))
    pool.shutdown(wait=False)
    return results
