# wrong: starts every fetch at once with gather, ignoring the limit
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    async def fetch_one(url):
        try:
            return await asyncio.wait_for(fetch(url), timeout)
        except TimeoutError as error:
            return error

    return await asyncio.gather(*(fetch_one(url) for url in urls))
