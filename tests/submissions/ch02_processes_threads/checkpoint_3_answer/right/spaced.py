# right: the same, with a comma
answer = "d, a"
