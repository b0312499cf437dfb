# wrong: lets the TimeoutError of a slow fetch escape instead of reporting it in the results
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    slots = asyncio.Semaphore(limit)

    async def fetch_one(url):
        async with slots:
            return await asyncio.wait_for(fetch(url), timeout)

    return await asyncio.gather(*(fetch_one(url) for url in urls))
