# wrong: the right number, as a string
answer = "2"
