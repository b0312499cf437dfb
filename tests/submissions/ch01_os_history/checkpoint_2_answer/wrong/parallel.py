# wrong: no tick has two jobs on the CPU
answer = "abc"
