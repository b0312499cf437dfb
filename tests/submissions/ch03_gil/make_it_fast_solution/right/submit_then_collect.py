# right: submit everything first, then collect the futures in order
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    with ThreadPoolExecutor(max_workers=max(8, len(urls))) as pool:
        futures = [pool.submit(fetch, url) for url in urls]
        return [future.result() for future in futures]


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(work, item) for item in items]
        return [future.result() for future in futures]
