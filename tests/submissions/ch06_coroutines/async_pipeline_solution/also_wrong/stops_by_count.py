# wrong: the consumers signal the end when the results count reaches the items count, which never happens for no items
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    results = []
    produced = [0, False]  # items put so far, whether the producer has finished
    finished = asyncio.Event()

    async def consume():
        while True:
            item = await queue.get()
            results.append(await worker(item))
            if produced[1] and len(results) == produced[0]:
                finished.set()

    async def produce():
        for item in items:
            await queue.put(item)
            produced[0] += 1
        produced[1] = True
        if len(results) == produced[0] and produced[0]:
            finished.set()
        await finished.wait()

    tasks = [asyncio.create_task(produce())] + [asyncio.create_task(consume()) for _ in range(n_consumers)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results
