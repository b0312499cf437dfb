# right: the same letters as a list
answer = ["d", "a"]
