# wrong: X first makes Y miss
answer = "c"
