# right: 4000 or less: updates can be lost, none gained
answer = "b"
