# wrong: a string sentinel: any item that is the same string ends the stream early
import multiprocessing
import pickle

SENTINEL = "<end of stream>"


def run_stage(fn, inbox, outbox):
    while (item := inbox.get()) != SENTINEL:
        try:
            item = fn(item) if not isinstance(item, BaseException) else item
        except Exception as exc:
            item = exc
        outbox.put(item)
    outbox.put(SENTINEL)


def run_pipeline(items, stages):
    queues = [multiprocessing.Queue() for _ in range(len(stages) + 1)]
    processes = [multiprocessing.Process(target=run_stage, args=(fn, queues[i], queues[i + 1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    try:
        for item in items:
            pickle.dumps(item)
            queues[0].put(item)
    finally:
        queues[0].put(SENTINEL)
        results = []
        while (result := queues[-1].get()) != SENTINEL:
            results.append(result)
        for process in processes:
            process.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
