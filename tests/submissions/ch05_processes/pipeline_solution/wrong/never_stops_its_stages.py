# wrong: daemon stages that loop forever: the results arrive, but the processes are never stopped
import multiprocessing


def run_stage(fn, inbox, outbox):
    while True:
        outbox.put(fn(inbox.get()))


def run_pipeline(items, stages):
    items = list(items)
    queues = [multiprocessing.Queue() for _ in range(len(stages) + 1)]
    processes = [multiprocessing.Process(target=run_stage, args=(fn, queues[i], queues[i + 1]), daemon=True)
                 for i, fn in enumerate(stages)]
    for process in processes:
        process.start()
    for item in items:
        queues[0].put(item)
    return [queues[-1].get() for _ in items]
