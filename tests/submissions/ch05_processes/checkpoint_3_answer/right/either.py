# right: either: it depends on when the feeder thread pickles d
answer = "c"
