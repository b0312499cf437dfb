# wrong: a single consumer thread whatever n_consumers says
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue(maxsize)
    stop = object()
    results = []

    def consume():
        while (item := q.get()) is not stop:
            results.append(worker(item))

    consumer = threading.Thread(target=consume)
    consumer.start()
    for item in items:
        q.put(item)
    q.put(stop)
    consumer.join()
    return results
