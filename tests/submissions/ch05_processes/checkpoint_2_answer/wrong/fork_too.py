# wrong: every start method pickles a Process's arguments
answer = "abc"
