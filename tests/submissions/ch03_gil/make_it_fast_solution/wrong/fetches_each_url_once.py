# wrong: fetches each distinct URL once, so a URL that appears twice in the list is fetched only once
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    distinct = list(dict.fromkeys(urls))
    with ThreadPoolExecutor(max_workers=16) as pool:
        pages = dict(zip(distinct, pool.map(fetch, distinct), strict=True))
    return [pages[url] for url in urls]


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    with ProcessPoolExecutor() as pool:
        return list(pool.map(work, items))
