# right: one-way Pipes between the stages, messages framed as (more?, item), a thread feeding the first
import multiprocessing
import threading


def run_stage(fn, inbox, outbox):
    while True:
        more, item = inbox.recv()
        if not more:
            break
        outbox.send((True, fn(item)))
    outbox.send((False, None))
    inbox.close()
    outbox.close()


def run_pipeline(items, stages):
    pipes = [multiprocessing.Pipe(duplex=False) for _ in range(len(stages) + 1)]  # (receiving, sending) ends
    processes = [multiprocessing.Process(target=run_stage, args=(fn, pipes[i][0], pipes[i + 1][1]))
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    first, last = pipes[0][1], pipes[-1][0]

    def feed():  # a pipe's send() blocks when it is full, so the notebook must read while it feeds
        for item in items:
            first.send((True, item))
        first.send((False, None))

    feeder = threading.Thread(target=feed)
    feeder.start()
    results = []
    while True:
        more, result = last.recv()
        if not more:
            break
        results.append(result)
    feeder.join()
    for process in processes:
        process.join()
    return results
