# wrong: orders the locks by a non-unique key (the number's parity): two even-numbered accounts keep the call's own order, so opposite transfers between them deadlock
def transfer(source, target, amount):
    if source is target:
        raise ValueError("cannot transfer from an account to itself")
    first, second = sorted((source, target), key=lambda account: account.number % 2)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount
