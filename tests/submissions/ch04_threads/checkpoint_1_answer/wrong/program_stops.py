# wrong: thinks an exception in any thread stops the whole program
answer = "d"
