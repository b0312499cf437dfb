"""Start a real PostgreSQL server for a test (Debian's ``postgresql``: initdb + pg_ctl), on loopback, in a
fresh folder, and stop it afterwards. PostgreSQL refuses to run as root, so as root it runs as ``postgres``."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

START_SECONDS = 60


def _binaries() -> Path:
    """The folder of PostgreSQL's server programs (Debian keeps them out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    if shutil.which("pg_ctl"):
        return Path(shutil.which("pg_ctl")).parent
    pytest.fail("PostgreSQL is not installed: apt-get install postgresql (./dev test installs it as root)")


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """A PostgreSQL server with a database ``gradebook``; yields its URL for SQLAlchemy (psycopg 3).

    Its folder is a fresh one in the system temp folder (a test's tmp_path lies under a folder only root may
    enter), removed afterwards.
    """
    bin_dir, port = _binaries(), _free_port()
    folder = Path(tempfile.mkdtemp(prefix="course-postgres-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (folder, sockets):
            shutil.chown(path, "postgres")
    def run(argv: list[str]) -> None:
        subprocess.run(_as_server_user(argv), check=True, capture_output=True, text=True, timeout=START_SECONDS)

    run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader", "--no-sync"])
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sockets} -c fsync=off"
    run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start"])
    try:
        run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "grader", "gradebook"])
        yield f"postgresql+psycopg://grader@127.0.0.1:{port}/gradebook"
    finally:
        run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)
