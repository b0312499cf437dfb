# wrong: a lock cannot be pickled
answer = "abd"
