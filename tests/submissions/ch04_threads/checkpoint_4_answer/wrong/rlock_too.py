# wrong: thinks an RLock also deadlocks when its owner takes it again
answer = "bcd"
