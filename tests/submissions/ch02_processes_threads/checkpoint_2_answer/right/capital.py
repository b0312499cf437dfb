# right: the waits overlap, as a capital
answer = "B"
