# right: three permits, one held by the with block
answer = 2
