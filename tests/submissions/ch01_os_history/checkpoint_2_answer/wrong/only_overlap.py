# wrong: both are in progress together too
answer = "b"
