# wrong: thinks every single line is atomic under the GIL
answer = ""
