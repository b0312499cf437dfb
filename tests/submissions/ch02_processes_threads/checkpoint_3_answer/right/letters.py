# right: data and an importable function
answer = "ad"
