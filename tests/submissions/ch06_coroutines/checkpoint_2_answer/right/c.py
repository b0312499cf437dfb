# right: the selector waits for the socket and the timer at once
answer = 'c'
