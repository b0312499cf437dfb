# wrong: one CPU was enough
answer = "bcd"
