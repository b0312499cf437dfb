# wrong: one job in memory either way
answer = "bd"
