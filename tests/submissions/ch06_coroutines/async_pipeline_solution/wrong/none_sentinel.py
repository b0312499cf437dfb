# wrong: stops a consumer at the first falsy item (`if not item`), so None, 0 and '' end it early and are lost
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    results = []

    async def consume():
        while item := await queue.get():
            results.append(await worker(item))

    async with asyncio.TaskGroup() as group:
        for _ in range(n_consumers):
            group.create_task(consume())
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(None)
    return results
