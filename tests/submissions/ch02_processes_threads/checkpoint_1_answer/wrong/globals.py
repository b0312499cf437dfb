# wrong: the globals are shared, not saved
answer = "ac"
