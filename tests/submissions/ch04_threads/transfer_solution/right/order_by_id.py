# right: a global order by id() works too
def transfer(source, target, amount):
    if source is target:
        raise ValueError("a transfer needs two accounts")
    low, high = (source, target) if id(source) < id(target) else (target, source)
    with low.lock:
        with high.lock:
            source.balance -= amount
            target.balance += amount
