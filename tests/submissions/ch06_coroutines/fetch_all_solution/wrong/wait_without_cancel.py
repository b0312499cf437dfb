# wrong: gives up on a slow fetch with asyncio.wait(timeout=...) but never cancels it, so it keeps running
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    slots = asyncio.Semaphore(limit)

    async def fetch_one(url):
        async with slots:
            task = asyncio.create_task(fetch(url))
            done, _ = await asyncio.wait({task}, timeout=timeout)
            return task.result() if done else TimeoutError(f"{url} took longer than {timeout} s")

    return await asyncio.gather(*(fetch_one(url) for url in urls))
