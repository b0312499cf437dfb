# wrong: a unique sentinel object, but tested with == instead of is, so an item that compares equal to everything (like mock.ANY) stops a consumer early
import queue
import threading


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks = queue.Queue(maxsize)
    stop = object()
    results, errors = [], []
    lock = threading.Lock()

    def consume():
        while True:
            item = tasks.get()
            if item == stop:
                return
            if errors:
                continue
            try:
                result = worker(item)
            except Exception as error:
                with lock:
                    errors.append(error)
                continue
            with lock:
                results.append(result)

    consumers = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for consumer in consumers:
        consumer.start()
    for item in items:
        if errors:
            break
        tasks.put(item)
    for _ in consumers:
        tasks.put(stop)
    for consumer in consumers:
        consumer.join()
    if errors:
        raise errors[0]
    return results
