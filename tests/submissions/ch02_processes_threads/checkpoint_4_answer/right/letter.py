# right: the thread only
answer = "a"
