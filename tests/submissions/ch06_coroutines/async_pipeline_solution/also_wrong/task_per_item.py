# wrong: each consumer starts a new task per item instead of awaiting the worker, so any number of worker calls run at once
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    stop = object()
    results = []

    async def process(item):
        results.append(await worker(item))

    async with asyncio.TaskGroup() as group:

        async def consume():
            while (item := await queue.get()) is not stop:
                group.create_task(process(item))

        for _ in range(n_consumers):
            group.create_task(consume())
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(stop)
    return results
