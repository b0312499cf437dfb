# wrong: keeps only the results that are not None, so a worker that returns None loses its results
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    stop = object()
    results = []

    async def consume():
        while (item := await queue.get()) is not stop:
            result = await worker(item)
            if result is not None:
                results.append(result)

    async with asyncio.TaskGroup() as group:
        for _ in range(n_consumers):
            group.create_task(consume())
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(stop)
    return results
