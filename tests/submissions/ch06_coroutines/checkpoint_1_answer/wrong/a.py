# wrong: thinks calling the function runs its body
answer = 'a'
