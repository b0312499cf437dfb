# wrong: thinks one BINARY_OP cannot be interrupted, whatever __add__ does
answer = "d"
