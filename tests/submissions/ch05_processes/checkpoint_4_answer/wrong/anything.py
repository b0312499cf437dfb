# wrong: the unlocked counter can also gain updates
answer = "c"
