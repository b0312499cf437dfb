# wrong: ignores maxsize, so the producer races ahead of the consumers
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue()
    stop = object()
    results = []

    def consume():
        while (item := q.get()) is not stop:
            results.append(worker(item))

    threads = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for item in items:
        q.put(item)
    for _ in threads:
        q.put(stop)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
