# right: every item travels wrapped in a 1-tuple, so a bare None can end the stream; an error as a 2-tuple
import multiprocessing
import pickle


def run_stage(fn, inbox, outbox):
    for message in iter(inbox.get, None):
        if len(message) == 1:
            try:
                message = (fn(message[0]),)
            except Exception as exc:
                message = ("failed", exc)
        outbox.put(message)
    outbox.put(None)


def run_pipeline(items, stages):
    queues = [multiprocessing.Queue() for _ in range(len(stages) + 1)]
    processes = [multiprocessing.Process(target=run_stage, args=(fn, queues[i], queues[i + 1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    unsent = None
    for item in items:
        try:
            pickle.dumps(item)  # Queue.put would pickle it later, in its feeder thread, out of our sight
        except Exception as exc:
            unsent = exc
            break
        queues[0].put((item,))
    queues[0].put(None)
    messages = list(iter(queues[-1].get, None))
    for process in processes:
        process.join()
    if unsent is not None:
        raise unsent
    for message in messages:
        if len(message) == 2:
            raise message[1]
    return [result for (result,) in messages]
