# wrong: a stage that raises dies without passing anything on, so run_pipeline waits forever in get()
import multiprocessing


class Stop:
    """The end of the stream."""


def run_stage(fn, inbox, outbox):
    while (item := inbox.get()) is not Stop:
        outbox.put(fn(item))
    outbox.put(Stop)


def run_pipeline(items, stages):
    queues = [multiprocessing.Queue() for _ in range(len(stages) + 1)]
    processes = [multiprocessing.Process(target=run_stage, args=(fn, queues[i], queues[i + 1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    for item in items:
        queues[0].put(item)
    queues[0].put(Stop)
    results = []
    while (result := queues[-1].get()) is not Stop:
        results.append(result)
    for process in processes:
        process.join()
    return results
