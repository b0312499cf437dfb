# right: no schedule can, with spaces
answer = " D "
