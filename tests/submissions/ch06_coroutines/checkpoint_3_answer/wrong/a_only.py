# wrong: misses the threading.Lock taken after the await
answer = 'a'
