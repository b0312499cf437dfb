# wrong: thinks join() re-raises the thread's exception in the caller
answer = "a"
