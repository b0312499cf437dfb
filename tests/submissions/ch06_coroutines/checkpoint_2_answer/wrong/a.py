# wrong: thinks the loop sleeps until the timer, deaf to the socket
answer = 'a'
