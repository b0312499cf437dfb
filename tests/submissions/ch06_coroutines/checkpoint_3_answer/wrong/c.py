# wrong: thinks the asyncio.Lock does not protect across its await
answer = 'c'
