# right: the two with an await between check and act
answer = 'ad'
