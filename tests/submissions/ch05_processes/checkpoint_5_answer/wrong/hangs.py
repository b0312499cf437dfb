# wrong: leaving the block hangs
answer = "d"
