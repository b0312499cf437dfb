# wrong: waits for queue.join() and returns, but never stops the consumers, which wait in get() for ever
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    results = []

    async def consume():
        while True:
            item = await queue.get()
            try:
                results.append(await worker(item))
            finally:
                queue.task_done()

    consumers = [asyncio.create_task(consume()) for _ in range(n_consumers)]
    for item in items:
        await queue.put(item)
    await queue.join()
    return results
