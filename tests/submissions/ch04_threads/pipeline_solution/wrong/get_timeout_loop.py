# wrong: consumers wake up every 50 ms to check a flag (polling with get(timeout=...))
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue(maxsize)
    results = []
    finished = threading.Event()

    def consume():
        while True:
            try:
                item = q.get(timeout=0.05)
            except queue.Empty:
                if finished.is_set():
                    return
                continue
            results.append(worker(item))

    threads = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for t in threads:
        t.start()
    for item in items:
        q.put(item)
    finished.set()
    for t in threads:
        t.join()
    return results
