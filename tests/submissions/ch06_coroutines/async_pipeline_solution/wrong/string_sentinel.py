# wrong: stops each consumer at the string "STOP", so an item "STOP" ends a consumer early and is lost
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    results = []

    async def consume():
        while (item := await queue.get()) != "STOP":
            results.append(await worker(item))

    async with asyncio.TaskGroup() as group:
        for _ in range(n_consumers):
            group.create_task(consume())
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put("STOP")
    return results
