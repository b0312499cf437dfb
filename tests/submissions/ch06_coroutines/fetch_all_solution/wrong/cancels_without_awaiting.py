# wrong: on another error it cancels the other fetches but raises without awaiting them, so they are still running
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    slots = asyncio.Semaphore(limit)

    async def fetch_one(url):
        async with slots:
            try:
                return await asyncio.wait_for(fetch(url), timeout)
            except TimeoutError as error:
                return error

    tasks = [asyncio.create_task(fetch_one(url)) for url in urls]
    try:
        return await asyncio.gather(*tasks)
    except Exception:
        for task in tasks:
            task.cancel()
        raise
