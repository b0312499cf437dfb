# wrong: thinks a thread that raised never counts as finished, so join() waits forever
answer = "c"
