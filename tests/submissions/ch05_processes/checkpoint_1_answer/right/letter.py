# right: a pool worker is a daemon, and daemons may not have children
answer = "b"
