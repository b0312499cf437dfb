# wrong: fetches in batches of `limit` and waits for a whole batch before starting the next
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    async def fetch_one(url):
        try:
            async with asyncio.timeout(timeout):
                return await fetch(url)
        except TimeoutError as error:
            return error

    urls = list(urls)
    results = []
    for start in range(0, len(urls), limit):
        results += await asyncio.gather(*(fetch_one(url) for url in urls[start:start + limit]))
    return results
