# wrong: a pool worker can start a child like any process
answer = "a"
