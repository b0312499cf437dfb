# wrong: locks source then target, so opposite transfers deadlock
def transfer(source, target, amount):
    with source.lock:
        with target.lock:
            source.balance -= amount
            target.balance += amount
