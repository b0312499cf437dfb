# right: the consumer loops run on a ThreadPoolExecutor's threads; the with block joins them
import queue
from concurrent.futures import ThreadPoolExecutor


class _Stop:
    pass


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue(maxsize)

    def consume():
        done = []
        while not isinstance(item := q.get(), _Stop):
            done.append(worker(item))
        return done

    with ThreadPoolExecutor(max_workers=n_consumers) as pool:
        futures = [pool.submit(consume) for _ in range(n_consumers)]
        for item in items:
            q.put(item)
        for _ in range(n_consumers):
            q.put(_Stop())
        return [r for f in futures for r in f.result()]
