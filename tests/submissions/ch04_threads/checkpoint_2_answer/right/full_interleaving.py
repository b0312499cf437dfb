# right: every step named, alternating, bob first
answer = ("bob", "alice", "bob", "alice")
