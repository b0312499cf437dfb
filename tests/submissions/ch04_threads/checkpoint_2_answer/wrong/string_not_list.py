# wrong: a string of names, not a list
answer = "alice, bob"
