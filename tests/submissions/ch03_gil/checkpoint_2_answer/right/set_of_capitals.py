# right: the same letters as a set, upper case
answer = {"D", "B"}
