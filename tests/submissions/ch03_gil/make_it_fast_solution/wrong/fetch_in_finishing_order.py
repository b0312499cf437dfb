# wrong: returns the pages in the order they arrive (as_completed), not in the order of the URLs
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        return [future.result() for future in as_completed([pool.submit(fetch, url) for url in urls])]


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    with ProcessPoolExecutor() as pool:
        return list(pool.map(work, items))
