# wrong: a task waiting for a slot polls a counter every 10 ms instead of waiting on a Semaphore, so slots stay idle between polls
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    busy = [0]

    async def fetch_one(url):
        while busy[0] >= limit:
            await asyncio.sleep(0.01)
        busy[0] += 1
        try:
            async with asyncio.timeout(timeout):
                return await fetch(url)
        except TimeoutError as error:
            return error
        finally:
            busy[0] -= 1

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch_one(url)) for url in urls]
    return [task.result() for task in tasks]
