# right: the same number, computed
answer = 1 + 2 - 1
