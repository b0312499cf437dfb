# wrong: gathers with return_exceptions and raises another error only once all fetches are done (and raises returned ones too)
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    slots = asyncio.Semaphore(limit)

    async def fetch_one(url):
        async with slots:
            async with asyncio.timeout(timeout):
                return await fetch(url)

    results = await asyncio.gather(*(fetch_one(url) for url in urls), return_exceptions=True)
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, TimeoutError):
            raise result
    return results
