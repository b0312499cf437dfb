# wrong: threads of one process share the address space
answer = "cd"
