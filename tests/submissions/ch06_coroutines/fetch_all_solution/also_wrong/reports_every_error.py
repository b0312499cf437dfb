# wrong: reports any exception from fetch in its place, like a timeout, instead of raising it
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    slots = asyncio.Semaphore(limit)

    async def fetch_one(url):
        async with slots:
            try:
                async with asyncio.timeout(timeout):
                    return await fetch(url)
            except Exception as error:
                return error

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch_one(url)) for url in urls]
    return [task.result() for task in tasks]
