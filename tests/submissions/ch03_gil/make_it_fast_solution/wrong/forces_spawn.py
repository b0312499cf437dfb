# wrong: forces its own start method (a spawn context) instead of the default, which the caller may have chosen
import multiprocessing
import threading


def fetch_all(urls, fetch):
    """``fetch(url)`` for every URL, the waits overlapping in threads; the pages in the order of ``urls``."""
    pages = [None] * len(urls)

    def get(index, url):
        pages[index] = fetch(url)

    threads = [threading.Thread(target=get, args=pair) for pair in enumerate(urls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return pages


def crunch_all(work, items):
    """``work(item)`` for every item, computed in a pool of processes; the results in the order of ``items``."""
    with multiprocessing.get_context("spawn").Pool() as pool:
        return pool.map(work, items)
