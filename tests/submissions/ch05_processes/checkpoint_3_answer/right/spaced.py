# right: the same letter in capitals, with spaces
answer = " C "
