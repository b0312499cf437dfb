# wrong: counts the permits but forgets that the with block holds one
answer = 3
