# right: both letters, as a list in another order
answer = ["c", "b"]
