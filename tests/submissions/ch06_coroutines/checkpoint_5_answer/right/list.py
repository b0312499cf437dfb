# right: the same letter in a list
answer = ["b"]
