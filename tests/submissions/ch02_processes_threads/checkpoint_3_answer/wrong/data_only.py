# wrong: a function of a module travels by name
answer = "a"
