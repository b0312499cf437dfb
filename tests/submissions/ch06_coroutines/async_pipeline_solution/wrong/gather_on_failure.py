# wrong: gathers producer and consumers; when a worker raises, gather re-raises but leaves the other tasks running
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    stop = object()
    results = []

    async def consume():
        while (item := await queue.get()) is not stop:
            results.append(await worker(item))

    async def produce():
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(stop)

    await asyncio.gather(produce(), *(consume() for _ in range(n_consumers)))
    return results
