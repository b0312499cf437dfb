# wrong: thinks list and dict calls can be interrupted inside
answer = "abcd"
