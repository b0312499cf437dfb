# wrong: a lambda cannot be pickled
answer = "acd"
