# wrong: misses that computing in a coroutine blocks the loop too
answer = 'a'
