# right: the task got a copy of the context when it was created
answer = 'b'
