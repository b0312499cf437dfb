# wrong: the pre-3.10 belief, between any two instructions, and misses the call
answer = "abc"
