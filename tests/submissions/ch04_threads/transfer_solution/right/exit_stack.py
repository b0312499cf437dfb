# right: contextlib.ExitStack over the locks sorted by account number
import contextlib


def transfer(source, target, amount):
    if source is target:
        raise ValueError("source and target are the same account")
    with contextlib.ExitStack() as stack:
        for account in sorted([source, target], key=lambda a: a.number):
            stack.enter_context(account.lock)
        source.balance -= amount
        target.balance += amount
