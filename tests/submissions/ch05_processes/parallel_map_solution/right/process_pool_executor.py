# right: ProcessPoolExecutor.map with a chunk size like Pool.map's
from concurrent.futures import ProcessPoolExecutor


def parallel_map(fn, items, workers):
    chunk = max(1, len(items) // (4 * workers))
    with ProcessPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(fn, items, chunksize=chunk))
