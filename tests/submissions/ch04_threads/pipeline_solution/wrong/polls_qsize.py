# wrong: the tutorial's consumer, which polls qsize() instead of blocking on get()
import queue
import threading
import time


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue(maxsize)
    results = []
    done = threading.Event()

    def consume():
        while not (done.is_set() and q.qsize() == 0):
            if q.qsize() > 0:
                try:
                    results.append(worker(q.get_nowait()))
                except queue.Empty:
                    pass
            else:
                time.sleep(0.001)

    threads = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for t in threads:
        t.start()
    for item in items:
        q.put(item)
    done.set()
    for t in threads:
        t.join()
    return results
