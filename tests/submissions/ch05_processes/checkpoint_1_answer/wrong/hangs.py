# wrong: the pool waits for the worker's child and hangs
answer = "d"
