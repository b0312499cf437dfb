# right: no schedule can
answer = "d"
