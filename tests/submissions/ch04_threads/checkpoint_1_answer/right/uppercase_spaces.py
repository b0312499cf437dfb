# right: the same letter, upper case with spaces
answer = " B "
