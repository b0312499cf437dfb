# wrong: None as the sentinel: the stream ends at the first item that is None
import multiprocessing


def run_stage(fn, inbox, outbox):
    while (item := inbox.get()) is not None:
        outbox.put(fn(item))
    outbox.put(None)


def run_pipeline(items, stages):
    queues = [multiprocessing.Queue() for _ in range(len(stages) + 1)]
    processes = [multiprocessing.Process(target=run_stage, args=(fn, queues[i], queues[i + 1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    for item in items:
        queues[0].put(item)
    queues[0].put(None)
    results = []
    while (result := queues[-1].get()) is not None:
        results.append(result)
    for process in processes:
        process.join()
    return results
