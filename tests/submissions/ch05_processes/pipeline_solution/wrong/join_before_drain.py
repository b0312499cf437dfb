# wrong: joins the stages before reading the results: a stage with unread queued data never ends
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
    for process in processes:
        process.join()
    results = []
    while (result := queues[-1].get()) is not Stop:
        results.append(result)
    return results
