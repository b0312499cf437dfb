# right: the start of a Python function, a C call returning, a backward jump
answer = "acd"
