# right: the same letters as a list
answer = ["c", "a", "d"]
