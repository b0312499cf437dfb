# right: the letter as a capital
answer = "B"
