# wrong: nothing fails: a Lock is passed as it is
answer = ""
