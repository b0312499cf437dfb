# wrong: leaving the block raises while a task runs
answer = "c"
