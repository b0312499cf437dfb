# right: the waits overlap
answer = "b"
