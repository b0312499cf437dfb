# wrong: thinks a task waiting on a socket is an error at once
answer = 'd'
