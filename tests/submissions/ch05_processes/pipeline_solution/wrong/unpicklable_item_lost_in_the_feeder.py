# wrong: trusts Queue.put to raise for an unpicklable item; the feeder thread drops it and the call returns
import multiprocessing


class Stop:
    """The end of the stream."""


class Failed:
    """A stage's exception, in place of a result."""

    def __init__(self, error):
        self.error = error


def run_stage(fn, inbox, outbox):
    while (item := inbox.get()) is not Stop:
        if not isinstance(item, Failed):
            try:
                item = fn(item)
            except Exception as exc:
                item = Failed(exc)
        outbox.put(item)
    outbox.put(Stop)


def run_pipeline(items, stages):
    queues = [multiprocessing.Queue() for _ in range(len(stages) + 1)]
    processes = [multiprocessing.Process(target=run_stage, args=(fn, queues[i], queues[i + 1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    try:
        for item in items:
            queues[0].put(item)
    finally:
        queues[0].put(Stop)
        results = []
        while (result := queues[-1].get()) is not Stop:
            results.append(result)
        for process in processes:
            process.join()
    for result in results:
        if isinstance(result, Failed):
            raise result.error
    return results
