# wrong: picks the calls that let the loop run
answer = 'bc'
