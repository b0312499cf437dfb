# wrong: the response time counts from the arrival, not from tick 0
answer = 4
