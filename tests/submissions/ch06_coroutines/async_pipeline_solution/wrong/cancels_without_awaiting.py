# wrong: like join-then-cancel, but it only cancels the consumers and returns without awaiting them, so they still run
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

    async def produce():
        for item in items:
            await queue.put(item)
        await queue.join()

    producer = asyncio.create_task(produce())
    consumers = [asyncio.create_task(consume()) for _ in range(n_consumers)]
    try:
        done, _ = await asyncio.wait([producer, *consumers], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in [producer, *consumers]:
            task.cancel()
    return results
