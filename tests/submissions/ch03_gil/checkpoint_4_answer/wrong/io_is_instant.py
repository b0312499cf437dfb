# wrong: forgets that the thread must get the GIL back
answer = "a"
