# wrong: the feeder thread always runs after the change
answer = "b"
