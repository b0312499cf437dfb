# right: the same two letters as a list, in another order
answer = ["c", "b"]
