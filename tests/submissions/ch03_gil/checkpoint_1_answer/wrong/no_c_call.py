# wrong: forgets that a C call returning is a switch point
answer = "ac"
