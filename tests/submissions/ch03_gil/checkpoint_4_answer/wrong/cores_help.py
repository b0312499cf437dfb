# wrong: thinks free cores let both threads run Python at once
answer = "d"
