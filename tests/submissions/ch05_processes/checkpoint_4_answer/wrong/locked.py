# wrong: each read and write takes the lock, so nothing is lost
answer = "a"
