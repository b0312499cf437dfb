# right: the same letters as a list, in another order
answer = ["C", "b"]
