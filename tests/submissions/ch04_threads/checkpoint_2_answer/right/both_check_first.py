# right: both threads check before either withdraws
answer = ["alice", "bob"]
