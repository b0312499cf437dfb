# wrong: put() raises because d changes after it
answer = "d"
