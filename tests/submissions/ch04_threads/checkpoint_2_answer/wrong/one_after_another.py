# wrong: alice runs both lines, then bob: bob's check sees 20 and does not withdraw
answer = ["alice", "alice", "bob", "bob"]
