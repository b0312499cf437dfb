# wrong: names the threads T1 and T2, as in the game's puzzles, not alice and bob
answer = ["T1", "T2"]
