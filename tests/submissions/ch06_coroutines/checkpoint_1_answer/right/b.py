# right: only the line after the call runs
answer = 'b'
