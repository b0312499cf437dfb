# wrong: names the fork start method itself, so it ignores the default it was asked to run under
import multiprocessing
import pickle

fork = multiprocessing.get_context("fork")


class Stop:
    """The end of the stream. A class is pickled by reference, so it arrives as itself: `is` works."""


class Failed:
    """Travels down the pipeline in place of a result: the exception a stage raised on an item."""

    def __init__(self, error):
        self.error = error


def run_stage(fn, inbox, outbox):
    """One stage: pass ``fn(item)`` on for every item from ``inbox``, then pass the sentinel on."""
    while (item := inbox.get()) is not Stop:
        if not isinstance(item, Failed):
            try:
                item = fn(item)
            except Exception as exc:  # keep reading: a stage that stops would block the one before it
                item = Failed(exc)
        outbox.put(item)
    outbox.put(Stop)


def run_pipeline(items, stages):
    """Send every item through ``stages``, each in a process of its own; return the results in input order."""
    queues = [fork.Queue() for _ in range(len(stages) + 1)]
    processes = [fork.Process(target=run_stage, args=(fn, queues[i], queues[i + 1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    try:
        for item in items:
            pickle.dumps(item)  # put() pickles later, in a feeder thread that can only print the error
            queues[0].put(item)
    finally:  # on an error too: stop the stages, drain, join, and only then raise it
        queues[0].put(Stop)
        results = []
        while (result := queues[-1].get()) is not Stop:  # drain first ...
            results.append(result)
        for process in processes:  # ... then join: a process with unread queued data cannot end
            process.join()
    for result in results:
        if isinstance(result, Failed):
            raise result.error
    return results
