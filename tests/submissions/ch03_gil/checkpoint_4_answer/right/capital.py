# right: the same letter, upper case
answer = "B"
