# right: at least a switch interval after each of the 100 calls
answer = "b"
