# wrong: a sentinel that collides with a real item: the string "STOP", so an item "STOP" ends a consumer early
import queue
import threading

STOP = "STOP"


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks = queue.Queue(maxsize)
    results = []

    def consume():
        while (item := tasks.get()) != STOP:
            results.append(worker(item))

    consumers = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for consumer in consumers:
        consumer.start()
    for item in items:
        tasks.put(item)
    for _ in consumers:
        tasks.put(STOP)
    for consumer in consumers:
        consumer.join()
    return results
