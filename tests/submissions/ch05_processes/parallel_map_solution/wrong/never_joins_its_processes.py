# wrong: reads every result but never joins the processes: they are ending, but not ended and joined
import multiprocessing


def work_on_slice(fn, start, chunk, results):
    results.put((start, [fn(x) for x in chunk]))


def parallel_map(fn, items, workers):
    items = list(items)
    size = max(1, -(-len(items) // workers))
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=work_on_slice, args=(fn, start, items[start:start + size], results))
                 for start in range(0, len(items), size)]
    for process in processes:
        process.start()
    parts = dict(results.get() for _ in processes)
    return [y for start in sorted(parts) for y in parts[start]]
