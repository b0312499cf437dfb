# wrong: the CPU still idles during the shorter waits
answer = "bc"
