# wrong: thinks the call runs the body and then fails
answer = 'c'
