# right: the same letters in another order, with a comma
answer = 'd, a'
