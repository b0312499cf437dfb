# wrong: orders the locks by a non-unique key (the balance): equal balances keep the call's own order, so opposite transfers deadlock
def transfer(source, target, amount):
    first, second = sorted((source, target), key=lambda account: account.balance)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount
