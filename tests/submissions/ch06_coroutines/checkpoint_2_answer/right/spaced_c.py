# right: the same letter, with spaces and in capitals
answer = ' C '
