# right: one-way Pipes between the stages, messages framed as (kind, payload), a thread feeding the first
import multiprocessing
import threading


def run_stage(fn, inbox, outbox):
    while True:
        kind, payload = inbox.recv()
        if kind == "end":
            break
        if kind == "item":
            try:
                payload = fn(payload)
            except Exception as exc:  # pass the error on, and keep reading until the end
                kind, payload = "error", exc
        outbox.send((kind, payload))
    outbox.send(("end", None))
    inbox.close()
    outbox.close()


def run_pipeline(items, stages):
    pipes = [multiprocessing.Pipe(duplex=False) for _ in range(len(stages) + 1)]  # (receiving, sending) ends
    processes = [multiprocessing.Process(target=run_stage, args=(fn, pipes[i][0], pipes[i + 1][1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    first, last = pipes[0][1], pipes[-1][0]
    errors = []

    def feed():  # a pipe's send() blocks when it is full, so the notebook must read while it feeds
        try:
            for item in items:
                first.send(("item", item))  # send() pickles at once: an unpicklable item raises here
        except Exception as exc:
            errors.append(exc)
        first.send(("end", None))

    feeder = threading.Thread(target=feed)
    feeder.start()
    results = []
    while True:
        kind, payload = last.recv()
        if kind == "end":
            break
        if kind == "error":
            errors.append(payload)
        else:
            results.append(payload)
    feeder.join()
    for process in processes:
        process.join()
    if errors:
        raise errors[0]
    return results
