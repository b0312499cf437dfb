# wrong: the former reference: gather re-raises another exception from fetch but leaves the other fetches running
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    slots = asyncio.Semaphore(limit)

    async def fetch_one(url):
        async with slots:
            try:
                async with asyncio.timeout(timeout):
                    return await fetch(url)
            except TimeoutError as error:
                return error

    return await asyncio.gather(*(fetch_one(url) for url in urls))
