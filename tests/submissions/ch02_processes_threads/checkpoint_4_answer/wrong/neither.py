# wrong: the thread shares the process's directory
answer = "d"
