# right: the letter
answer = "b"
