# wrong: misses the switch point when get returns
answer = "b"
