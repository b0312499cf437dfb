# wrong: gives two letters where one is asked
answer = "ab"
