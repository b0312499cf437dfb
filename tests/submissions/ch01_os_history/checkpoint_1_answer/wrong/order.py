# wrong: offline batch does not change the order
answer = "a"
