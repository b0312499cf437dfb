# wrong: thinks a ContextVar cannot be read in a task
answer = 'd'
