"""`./dev class stop` ends what the hub started in sessions of their own (course.grading.classroom.end_session).

JupyterHub starts configurable-http-proxy with a session of its own and stops it last, so a hub killed while it
still stops servers leaves the proxy listening (seen once in the full suite under load): `stop` ends the proxy
from its pid file, and only if that pid still runs the proxy.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course.grading import classroom

# A session leader with a child in its process group, as the proxy (node) may have.
LEADER = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); " \
         "time.sleep(600)  # {marker}"
STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)  # {marker}"


def _session(code: str, marker: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code.format(marker=marker)], start_new_session=True)


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (a zombie, ended but not yet reaped, does not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, _, group = stat.read_text().rsplit(")", 1)[1].split()[:4]
        except OSError:
            continue
        if int(group) == pgid and state != "Z":
            return True
    return False


def _ended(session: subprocess.Popen, seconds: float = 10) -> bool:
    """Whether the whole group is gone within ``seconds``: a SIGKILL is sent at once but takes effect when the OS
    next runs the process, which on a loaded machine is not at once."""
    deadline = time.monotonic() + seconds
    while _group_alive(session.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    session.wait(timeout=5)  # end_session may have reaped it already (it is this process's child): Popen learns it
    return not _group_alive(session.pid)


@pytest.mark.parametrize("code", [LEADER, STUBBORN], ids=["with its group", "ignoring SIGTERM"])
def test_a_session_left_running_is_ended(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM ends a session and the child in its group; one that ignores SIGTERM is killed after STOP_SECONDS."""
    monkeypatch.setattr(classroom, "STOP_SECONDS", 0.5)
    session = _session(code, "fake-http-proxy")
    time.sleep(0.5)  # the child has started, or the handler is installed
    pid_file = tmp_path / "proxy.pid"
    pid_file.write_text(str(session.pid))
    classroom.end_session(pid_file, "fake-http-proxy")
    assert _ended(session), "the session outlived end_session"
    assert not pid_file.exists()


def test_a_pid_that_now_runs_another_program_is_left_alone(tmp_path: Path) -> None:
    other = _session(LEADER, "someone-else")
    try:
        pid_file = tmp_path / "proxy.pid"
        pid_file.write_text(str(other.pid))
        classroom.end_session(pid_file, "fake-http-proxy")
        assert other.poll() is None, "end_session stopped a program that is not the proxy"
        assert not pid_file.exists()
    finally:
        os.killpg(other.pid, signal.SIGKILL)
        other.wait(timeout=5)
