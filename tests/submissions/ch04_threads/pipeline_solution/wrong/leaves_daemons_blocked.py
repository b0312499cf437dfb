# wrong: waits with q.join() and returns, leaving daemon consumers blocked in get() forever
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue(maxsize)
    results = []

    def consume():
        while True:
            item = q.get()
            results.append(worker(item))
            q.task_done()

    for _ in range(n_consumers):
        threading.Thread(target=consume, daemon=True).start()
    for item in items:
        q.put(item)
    q.join()
    return results
