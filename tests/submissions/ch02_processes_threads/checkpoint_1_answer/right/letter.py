# right: the registers
answer = "c"
