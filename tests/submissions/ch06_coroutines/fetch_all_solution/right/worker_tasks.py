# right: `limit` worker tasks in a TaskGroup share one iterator of positions; wait_for times each fetch
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    urls = list(urls)
    results = [None] * len(urls)
    positions = iter(range(len(urls)))  # shared: each position is taken by exactly one worker

    async def work():
        for i in positions:
            try:
                results[i] = await asyncio.wait_for(fetch(urls[i]), timeout)
            except TimeoutError as error:
                results[i] = error

    async with asyncio.TaskGroup() as group:
        for _ in range(min(limit, len(urls))):
            group.create_task(work())
    return results
