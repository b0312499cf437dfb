# wrong: a deadlock in a rarely-taken path: only transfers of more than 50 lock in the call's own order
def transfer(source, target, amount):
    if source is target:
        raise ValueError("cannot transfer from an account to itself")
    if amount > 50:
        first, second = source, target
    else:
        first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount
