# wrong: starts the timeout before waiting for a free slot, so fetches that queued long time out
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    slots = asyncio.Semaphore(limit)

    async def fetch_one(url):
        try:
            async with asyncio.timeout(timeout):
                async with slots:
                    return await fetch(url)
        except TimeoutError as error:
            return error

    return await asyncio.gather(*(fetch_one(url) for url in urls))
