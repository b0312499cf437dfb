# wrong: thinks any two nested locks can deadlock, whatever the order
answer = "abc"
