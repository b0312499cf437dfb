# right: the same letter in capitals
answer = 'B'
