# wrong: never holds both locks; between the two steps the money is nowhere
def transfer(source, target, amount):
    with source.lock:
        source.balance -= amount
    with target.lock:
        target.balance += amount
