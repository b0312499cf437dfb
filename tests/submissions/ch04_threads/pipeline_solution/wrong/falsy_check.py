# wrong: `if not item` treats 0, '' and False as the end of the stream
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue(maxsize)
    results = []

    def consume():
        while item := q.get():
            results.append(worker(item))

    threads = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for t in threads:
        t.start()
    for item in items:
        q.put(item)
    for _ in threads:
        q.put(None)
    for t in threads:
        t.join()
    return results
