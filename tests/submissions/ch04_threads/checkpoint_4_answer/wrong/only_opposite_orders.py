# wrong: sees the opposite orders but not the Lock taken twice by its holder
answer = "b"
