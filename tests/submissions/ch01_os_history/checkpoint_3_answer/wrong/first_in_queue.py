# wrong: C does not run before B: they queue in name order
answer = 2
