# right: the number
answer = 3
