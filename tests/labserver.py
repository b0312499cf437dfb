"""Start the course's real JupyterLab (``python -m course lab``) for a test, in fresh folders, and stop it."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TOKEN = "course-test-token"


@dataclass
class Lab:
    url: str
    work: Path
    process: subprocess.Popen

    def get(self, path: str) -> bytes:
        sep = "&" if "?" in path else "?"
        with urllib.request.urlopen(f"{self.url}{path}{sep}token={TOKEN}", timeout=10) as response:
            return response.read()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_lab(tmp: Path, work: Path, start_seconds: float = 240) -> Iterator[Lab]:
    """Run ``python -m course lab`` on a free loopback port with a fresh profile (its own, empty Jupyter
    folders: what the learner sees is the course's own settings); yield once it answers."""
    port = _free_port()
    env = dict(os.environ, COURSE_WORK=str(work), JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"))
    log_path = tmp / f"lab-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "course", "lab", "--no-browser", f"--ServerApp.port={port}",
             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    lab = Lab(f"http://127.0.0.1:{port}", work, process)
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                lab.get("/api/status")
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (
                    f"JupyterLab did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield lab
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
