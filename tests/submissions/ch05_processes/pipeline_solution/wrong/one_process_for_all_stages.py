# wrong: one worker process applies every stage in turn: no stage has a process of its own
import multiprocessing


class Stop:
    """The end of the stream."""


def run_all_stages(stages, inbox, outbox):
    while (item := inbox.get()) is not Stop:
        for fn in stages:
            item = fn(item)
        outbox.put(item)
    outbox.put(Stop)


def run_pipeline(items, stages):
    inbox, outbox = multiprocessing.Queue(), multiprocessing.Queue()
    worker = multiprocessing.Process(target=run_all_stages, args=(stages, inbox, outbox))
    worker.start()
    for item in items:
        inbox.put(item)
    inbox.put(Stop)
    results = []
    while (result := outbox.get()) is not Stop:
        results.append(result)
    worker.join()
    return results
