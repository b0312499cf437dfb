# wrong: awaits the fetches one after another, so never more than one is in flight
import asyncio


async def fetch_all(urls, fetch, limit=3, timeout=1.0):
    results = []
    for url in urls:
        try:
            results.append(await asyncio.wait_for(fetch(url), timeout))
        except TimeoutError as error:
            results.append(error)
    return results
