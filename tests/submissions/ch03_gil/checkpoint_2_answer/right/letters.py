# right: the Python __add__, and the call of get between the read and the store
answer = "bd"
