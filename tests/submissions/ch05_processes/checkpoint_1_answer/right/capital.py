# right: the same answer in capitals
answer = "B"
