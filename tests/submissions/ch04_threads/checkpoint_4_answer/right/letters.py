# right: opposite orders, and a Lock's holder taking it again
answer = "bc"
