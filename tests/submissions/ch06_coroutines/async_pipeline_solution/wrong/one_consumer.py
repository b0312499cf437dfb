# wrong: a single consumer awaits the worker for one item after another, whatever n_consumers says
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    stop = object()
    results = []

    async def consume():
        while (item := await queue.get()) is not stop:
            results.append(await worker(item))

    async with asyncio.TaskGroup() as group:
        group.create_task(consume())
        for item in items:
            await queue.put(item)
        await queue.put(stop)
    return results
