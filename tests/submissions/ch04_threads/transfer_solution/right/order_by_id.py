# right: a global order by id() works too
def transfer(source, target, amount):
    low, high = (source, target) if id(source) < id(target) else (target, source)
    with low.lock:
        with high.lock:
            source.balance -= amount
            target.balance += amount
