# right: the number, worked out
answer = 4 - 1
