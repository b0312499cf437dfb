# wrong: thinks a call without await does not compile
answer = 'd'
