# wrong: one thread per URL, the pages collected from a queue, but the threads are never joined
import queue
import threading
from concurrent.futures import ProcessPoolExecutor


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    arrived = queue.Queue()
    for index, url in enumerate(urls):
        threading.Thread(target=lambda i=index, u=url: arrived.put((i, fetch(u))), daemon=True).start()
    pages = [None] * len(urls)
    for _ in urls:
        index, page = arrived.get()
        pages[index] = page
    return pages


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    with ProcessPoolExecutor() as pool:
        return list(pool.map(work, items))
