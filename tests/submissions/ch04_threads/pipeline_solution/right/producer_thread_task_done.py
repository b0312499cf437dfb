# right: a producer thread, task_done/join for accounting, one sentinel per consumer; a failure is kept and re-raised after every thread is joined
import queue
import threading

_DONE = object()


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    q = queue.Queue(maxsize=maxsize)
    results = queue.Queue()
    errors = []
    failed = threading.Event()

    def produce():
        for item in items:
            if failed.is_set():
                break
            q.put(item)
        for _ in range(n_consumers):
            q.put(_DONE)

    def consume():
        while True:
            item = q.get()
            try:
                if item is _DONE:
                    return
                if not failed.is_set():
                    results.put(worker(item))
            except Exception as error:
                errors.append(error)
                failed.set()
            finally:
                q.task_done()

    threads = [threading.Thread(target=produce)]
    threads += [threading.Thread(target=consume) for _ in range(n_consumers)]
    for t in threads:
        t.start()
    q.join()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [results.get() for _ in range(results.qsize())]
