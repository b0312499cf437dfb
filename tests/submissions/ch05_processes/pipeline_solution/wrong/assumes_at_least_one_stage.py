# wrong: sends the items to the first stage's queue, so with stages == [] there is no queue to send them to
import multiprocessing
import pickle


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
    inboxes = [multiprocessing.Queue() for _ in stages]
    results = multiprocessing.Queue()
    outboxes = inboxes[1:] + [results]
    processes = [multiprocessing.Process(target=run_stage, args=(fn, inbox, outbox))
                 for fn, inbox, outbox in zip(stages, inboxes, outboxes)]
    for process in processes:
        process.start()
    first = inboxes[0]
    try:
        for item in items:
            pickle.dumps(item)
            first.put(item)
    finally:
        first.put(Stop)
        answers = []
        while (answer := results.get()) is not Stop:
            answers.append(answer)
        for process in processes:
            process.join()
    for answer in answers:
        if isinstance(answer, Failed):
            raise answer.error
    return answers
