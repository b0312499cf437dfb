# wrong: round-robin misses X
answer = "b"
