# right: spawn and forkserver pickle the arguments; fork copies them
answer = "bc"
