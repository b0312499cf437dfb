# wrong: collects the results with as_completed, so they come back in the order the fetches finish
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

    return [await result for result in asyncio.as_completed([fetch_one(url) for url in urls])]
