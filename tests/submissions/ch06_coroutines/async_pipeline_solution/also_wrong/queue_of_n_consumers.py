# wrong: sizes the queue by n_consumers instead of maxsize, so the producer cannot get maxsize items ahead
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(n_consumers)
    stop = object()
    results = []

    async def consume():
        while (item := await queue.get()) is not stop:
            results.append(await worker(item))

    async with asyncio.TaskGroup() as group:
        for _ in range(n_consumers):
            group.create_task(consume())
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(stop)
    return results
