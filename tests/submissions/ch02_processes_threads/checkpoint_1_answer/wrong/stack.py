# wrong: the stack stays in memory
answer = "bc"
