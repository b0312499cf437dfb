# wrong: there is no option d
answer = "d"
