# wrong: transfer(a, a, x) takes a's Lock twice and waits for itself forever (a Lock is not re-entrant)
def transfer(source, target, amount):
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount
