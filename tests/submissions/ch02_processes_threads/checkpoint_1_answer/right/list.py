# right: the registers, as a list
answer = ["C"]
