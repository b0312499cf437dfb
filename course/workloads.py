"""Importable workloads for the notebooks and the checks.

Worker functions live in a module, not in a notebook cell, so that they also work in processes started
with spawn or forkserver, which import their target by name.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

__all__ = ["Account", "sleepy_square"]


@dataclass(eq=False)
class Account:
    """A bank account guarded by its own lock (the lock-ordering exercise of Chapter 4).

    ``number`` is unique and gives every account a place in a global lock order.
    """

    number: int
    balance: int
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def sleepy_square(x: float, seconds: float = 0.05) -> float:
    """Wait like an I/O call would, then return ``x * x``."""
    time.sleep(seconds)
    return x * x
