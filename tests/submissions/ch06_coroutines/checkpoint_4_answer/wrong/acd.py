# wrong: thinks awaiting a process pool blocks the loop
answer = 'acd'
