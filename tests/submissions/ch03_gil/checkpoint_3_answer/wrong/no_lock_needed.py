# wrong: believes the withdrawal needs no lock
answer = "c"
