# wrong: believes n += 1 stays safe without the GIL
answer = "b"
