# wrong: fetches each distinct url only once (dict.fromkeys), so a url listed twice is fetched once
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

    async with asyncio.TaskGroup() as group:
        tasks = {url: group.create_task(fetch_one(url)) for url in dict.fromkeys(urls)}
    return [tasks[url].result() for url in urls]
