# wrong: only spawn pickles, forkserver forks
answer = "b"
