# wrong: one step of alice, then no switch: the withdrawals run one after the other
answer = ["alice"]
