# wrong: one global lock instead of the accounts' own locks (the task asks for both account locks)
import threading

_bank = threading.Lock()


def transfer(source, target, amount):
    with _bank:
        source.balance -= amount
        target.balance += amount
