# wrong: misses the await between check and act in a)
answer = 'd'
