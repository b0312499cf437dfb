# wrong: thinks the loop polls the socket
answer = 'b'
