# wrong: reads both balances before taking the locks and writes the stale values back under them, losing concurrent transfers
def transfer(source, target, amount):
    new_source, new_target = source.balance - amount, target.balance + amount
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        source.balance = new_source
        target.balance = new_target
