# right: the thread only, as a capital
answer = "A"
