# wrong: thinks a task starts with an empty context
answer = 'a'
