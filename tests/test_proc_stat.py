"""/proc/<pid>/stat read right: a live process's parent, a zombie told apart, a gone process as None."""
from __future__ import annotations

import os
import subprocess
import sys

from course import proc_stat


def test_a_live_child_names_its_parent_and_has_not_exited() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        state, parent = proc_stat.read(child.pid)
        assert parent == os.getpid() and not proc_stat.exited(state)
    finally:
        child.kill()
        child.wait()


def test_an_unreaped_child_reads_as_exited_and_a_reaped_one_as_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # ended, not yet collected: a zombie
    state, _ = proc_stat.read(child.pid)
    assert proc_stat.exited(state), state
    child.wait()
    assert proc_stat.read(child.pid) is None
