# right: every item travels wrapped in a 1-tuple, so a bare None can end the stream
import multiprocessing


def run_stage(fn, inbox, outbox):
    for (item,) in iter(inbox.get, None):
        outbox.put((fn(item),))
    outbox.put(None)


def run_pipeline(items, stages):
    queues = [multiprocessing.Queue() for _ in range(len(stages) + 1)]
    processes = [multiprocessing.Process(target=run_stage, args=(fn, queues[i], queues[i + 1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    for item in items:
        queues[0].put((item,))
    queues[0].put(None)
    results = [result for (result,) in iter(queues[-1].get, None)]
    for process in processes:
        process.join()
    return results
