# wrong: A goes to the end of the queue, behind B and C
answer = 5
