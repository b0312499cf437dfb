# right: explicit acquire/release in account-number order
def transfer(source, target, amount):
    if source.number == target.number:
        raise ValueError(f"account {source.number} cannot pay itself")
    first, second = (source, target) if source.number < target.number else (target, source)
    first.lock.acquire()
    try:
        second.lock.acquire()
        try:
            source.balance = source.balance - amount
            target.balance = target.balance + amount
        finally:
            second.lock.release()
    finally:
        first.lock.release()
