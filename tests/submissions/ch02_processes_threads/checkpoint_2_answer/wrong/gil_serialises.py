# wrong: a sleeping thread does not hold the GIL
answer = "a"
