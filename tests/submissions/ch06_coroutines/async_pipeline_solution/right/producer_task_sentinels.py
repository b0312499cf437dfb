# right: producer and consumers are all tasks of one TaskGroup; one sentinel per consumer
import asyncio

STOP = object()


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    results = []

    async def produce():
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(STOP)

    async def consume():
        while True:
            item = await queue.get()
            if item is STOP:
                return
            results.append(await worker(item))

    async with asyncio.TaskGroup() as group:
        group.create_task(produce())
        for _ in range(n_consumers):
            group.create_task(consume())
    return results
