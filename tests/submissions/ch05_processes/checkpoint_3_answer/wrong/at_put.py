# wrong: put() pickles d at once, so the later change is not sent
answer = "a"
