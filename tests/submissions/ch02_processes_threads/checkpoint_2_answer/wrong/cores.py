# wrong: waiting needs no core
answer = "c"
