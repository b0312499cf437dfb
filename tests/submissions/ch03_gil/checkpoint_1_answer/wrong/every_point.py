# wrong: also between the load and the store of +=
answer = "abcd"
