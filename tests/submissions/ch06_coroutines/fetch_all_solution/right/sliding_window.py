# right: up to `limit` tasks with asyncio.wait(FIRST_COMPLETED), topped up as each ends; on an error cancels and awaits the rest
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    async def fetch_one(url):
        try:
            return await asyncio.wait_for(fetch(url), timeout)
        except TimeoutError as error:
            return error

    urls = list(urls)
    results = [None] * len(urls)
    running = {}
    pending = iter(enumerate(urls))
    for i, url in pending:
        running[asyncio.create_task(fetch_one(url))] = i
        if len(running) == limit:
            break
    try:
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                results[running.pop(task)] = task.result()
                for i, url in pending:
                    running[asyncio.create_task(fetch_one(url))] = i
                    break
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    return results
