# wrong: the child has its own directory
answer = "b"
