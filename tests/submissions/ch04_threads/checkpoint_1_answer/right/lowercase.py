# right: join() returns, the hook prints the traceback
answer = "b"
