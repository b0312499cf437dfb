# right: both letters
answer = "bc"
