# wrong: each process counts on its own copy
answer = "d"
