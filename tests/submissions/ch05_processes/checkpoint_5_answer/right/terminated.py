# right: leaving the block terminates the pool and its callback
answer = "b"
