# wrong: the child starts and the pool's end terminates it
answer = "c"
