# wrong: a failing consumer just stops; the others process every remaining item, and the error is raised only at the end
import asyncio


async def run_async_pipeline(items, worker, n_consumers=3, maxsize=2):
    queue = asyncio.Queue(maxsize)
    stop = object()
    results = []

    async def consume():
        while (item := await queue.get()) is not stop:
            try:
                results.append(await worker(item))
            except Exception as error:
                errors.append(error)

    errors = []
    consumers = [asyncio.create_task(consume()) for _ in range(n_consumers)]
    for item in items:
        await queue.put(item)
    for _ in range(n_consumers):
        await queue.put(stop)
    await asyncio.gather(*consumers)
    if errors:
        raise errors[0]
    return results
