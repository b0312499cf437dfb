# right: `limit` workers pop (position, url) pairs from the end of a list, so the fetches start in reverse order
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    pending = list(enumerate(urls))
    results = [None] * len(pending)

    async def work():
        while pending:
            i, url = pending.pop()
            try:
                async with asyncio.timeout(timeout):
                    results[i] = await fetch(url)
            except TimeoutError as error:
                results[i] = error

    async with asyncio.TaskGroup() as group:
        for _ in range(limit):
            group.create_task(work())
    return results
