# wrong: only the backward jump, as if calls had no switch point
answer = "c"
