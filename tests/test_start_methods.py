"""course.start_methods: what the widget of Chapter 5 shows is what children of each start method really find,
and measuring leaves the parent as it was (the global restored, the thread ended, the lock free, no child left)."""
from __future__ import annotations

import multiprocessing
import threading

import pytest

from course import start_methods

EXPECTED = {
    "fork": {"global": True, "file": True, "thread": False, "lock": True},
    "spawn": {"global": False, "file": False, "thread": False, "lock": False},
    "forkserver": {"global": False, "file": False, "thread": False, "lock": False},
}


@pytest.mark.parametrize("method", [m for m in EXPECTED if m in multiprocessing.get_all_start_methods()])
def test_children_find_what_their_start_method_gives_them(method: str) -> None:
    result = start_methods.inheritance(method, children=2)
    assert result.found == EXPECTED[method]
    assert len(result.startup) == 2 and all(0 < s < 10 for s in result.startup)
    assert start_methods.SETTING == ["as imported"] and not start_methods.HELD.locked()
    assert start_methods.THREAD_NAME not in [t.name for t in threading.enumerate()]
    assert not multiprocessing.active_children()

