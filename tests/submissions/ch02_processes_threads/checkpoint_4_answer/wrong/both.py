# wrong: the child was handed the directory at its start
answer = "c"
