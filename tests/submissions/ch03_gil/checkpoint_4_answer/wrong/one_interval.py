# wrong: one switch interval in all, not one per call
answer = "c"
