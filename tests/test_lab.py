"""`./dev lab` (python -m course lab) gives the learner working copies and serves them in a real JupyterLab
with nbgrader's extension; the learner's edits are never overwritten by a second start."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TOKEN = "course-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def _start_lab(work: Path, tmp: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, COURSE_WORK=str(work), JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"))
    with (tmp / f"lab-{port}.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "course", "lab", "--no-browser", f"--ServerApp.port={port}",
             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )


def test_lab_serves_the_working_copies_with_nbgrader(tmp_path: Path) -> None:
    work = tmp_path / "mywork"
    mine = work / "ch04_threads" / "ch04_threads.ipynb"
    port = _free_port()
    server = _start_lab(work, tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                page = _get(f"{base}/lab?token={TOKEN}").decode()
                break
            except OSError:
                log = (tmp_path / f"lab-{port}.log").read_text()
                assert server.poll() is None and time.monotonic() < deadline, f"JupyterLab did not start:\n{log}"
                time.sleep(0.5)
        assert "JupyterLab" in page
        model = json.loads(_get(f"{base}/api/contents/ch04_threads/ch04_threads.ipynb?token={TOKEN}"))
        assert model["type"] == "notebook" and any("SafeCounter" in "".join(c["source"]) for c in model["content"]["cells"])
        extensions = _get(f"{base}/lab/api/extensions?token={TOKEN}").decode()
        assert "nbgrader" in extensions, "nbgrader's JupyterLab extension is not installed"
    finally:
        server.terminate()
        server.wait(timeout=30)
    # A second start keeps the learner's work.
    mine.write_text(mine.read_text().replace("SafeCounter", "MyCounter", 1))
    server = _start_lab(work, tmp_path, _free_port())
    try:
        time.sleep(3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "MyCounter" in mine.read_text()
