# right: the consumer loops run on a ThreadPoolExecutor's threads, the with block joins them; a failed worker stops the feed and its exception comes back through the future
import queue
import threading
from concurrent.futures import ThreadPoolExecutor


class _Stop:
    pass


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue(maxsize)
    failed = threading.Event()

    def consume():
        done, error = [], None
        while not isinstance(item := q.get(), _Stop):
            if failed.is_set():
                continue  # keep draining, so the producer is never stuck on a full queue
            try:
                done.append(worker(item))
            except Exception as exc:
                error = exc
                failed.set()
        if error is not None:
            raise error
        return done

    with ThreadPoolExecutor(max_workers=n_consumers) as pool:
        futures = [pool.submit(consume) for _ in range(n_consumers)]
        for item in items:
            if failed.is_set():
                break
            q.put(item)
        for _ in range(n_consumers):
            q.put(_Stop())
    return [r for f in futures for r in f.result()]
