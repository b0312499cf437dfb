# wrong: a worker that raises kills its consumer thread (the exception is not caught), so the producer blocks on the full queue and run_pipeline never returns
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks = queue.Queue(maxsize)
    stop = object()
    results = []
    results_lock = threading.Lock()

    def consume():
        while (item := tasks.get()) is not stop:
            result = worker(item)
            with results_lock:
                results.append(result)

    consumers = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for consumer in consumers:
        consumer.start()
    for item in items:
        tasks.put(item)
    for _ in consumers:
        tasks.put(stop)
    for consumer in consumers:
        consumer.join()
    return results
