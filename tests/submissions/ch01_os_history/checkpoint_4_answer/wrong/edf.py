# wrong: EDF misses X
answer = "a"
