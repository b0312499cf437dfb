# wrong: the producer runs in a thread of its own that run_pipeline never joins, so it may still be running when run_pipeline returns
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks = queue.Queue(maxsize)
    stop = object()
    results, errors = [], []

    def produce():
        for item in items:
            if errors:
                break
            tasks.put(item)
        for _ in range(n_consumers):
            tasks.put(stop)

    def consume():
        while (item := tasks.get()) is not stop:
            if errors:
                continue
            try:
                results.append(worker(item))
            except Exception as error:
                errors.append(error)

    consumers = [threading.Thread(target=consume) for _ in range(n_consumers)]
    threading.Thread(target=produce).start()
    for consumer in consumers:
        consumer.start()
    for consumer in consumers:
        consumer.join()
    if errors:
        raise errors[0]
    return results
