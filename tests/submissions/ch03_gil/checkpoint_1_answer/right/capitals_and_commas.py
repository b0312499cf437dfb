# right: the same letters, upper case, with commas
answer = "D, A, C"
