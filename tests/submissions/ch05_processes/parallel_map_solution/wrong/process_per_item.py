# wrong: one process per item: right results, in parallel, but each start costs more than the task
import multiprocessing


def run_one(fn, index, x, results):
    results.put((index, fn(x)))


def parallel_map(fn, items, workers):
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=run_one, args=(fn, i, x, results)) for i, x in enumerate(items)]
    for process in processes:
        process.start()
    answers = dict(results.get() for _ in processes)
    for process in processes:
        process.join()
    return [answers[i] for i in range(len(answers))]
