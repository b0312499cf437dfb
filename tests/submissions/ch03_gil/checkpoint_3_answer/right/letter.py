# right: list.append stays atomic on the free-threaded build
answer = "a"
