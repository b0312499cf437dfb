# wrong: thinks the task shares the caller's context
answer = 'c'
