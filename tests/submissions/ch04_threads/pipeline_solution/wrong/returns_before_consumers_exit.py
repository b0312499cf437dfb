# wrong: waits for the work with q.join() and sends the sentinels, but returns without joining the consumers, so they may still be running
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks = queue.Queue(maxsize)
    stop = object()
    results = []

    def consume():
        while (item := tasks.get()) is not stop:
            results.append(worker(item))
            tasks.task_done()

    for _ in range(n_consumers):
        threading.Thread(target=consume).start()
    for item in items:
        tasks.put(item)
    tasks.join()
    for _ in range(n_consumers):
        tasks.put(stop)
    return results
