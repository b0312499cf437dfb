"""Grade as an ordinary user, as an instructor on a laptop would: the tests that prove isolation run it both as
root (a grading server, CI) and this way.

As root (CI), the grader is the user ``pyconc-grader`` (created on first use) with the grader venv that
``./dev test`` makes outside /root from Debian's Python (root's own Python is under /root, mode 0700). Run by
anyone else, the grader is that user with the Python running the tests.
"""
from __future__ import annotations

import contextlib
import os
import pwd
import subprocess
import sys
from pathlib import Path

from course.grading import autograde as ag

GRADER_VENV = Path(os.environ.get("COURSE_GRADER_VENV", "/opt/python-concurrency/grader"))
GRADER_USER = "pyconc-grader"


def _grader() -> tuple[str, dict]:
    """The Python the unprivileged grader runs, and the ``subprocess.run`` arguments that make it that user."""
    if os.geteuid() != 0:
        return sys.executable, {}
    if not (GRADER_VENV / "bin" / "python").exists():
        raise RuntimeError(f"No grader venv at {GRADER_VENV}: run ./dev test (as root it makes one).")
    with contextlib.suppress(KeyError):
        account = pwd.getpwnam(GRADER_USER)
        return str(GRADER_VENV / "bin" / "python"), {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", GRADER_USER], check=True)
    return _grader()


def run(module: list[str], root: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m <module...>`` (nbgrader, or the course's command) as the unprivileged grader in the
    course folder ``root``, which it must be able to write (everything under it is made writable by everyone)."""
    python, run_as = _grader()
    home = root / "grader-home"  # Jupyter's runtime folder; in the course folder, which kernels cannot see
    home.mkdir(exist_ok=True)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    env = ag.nbgrader_env() | (env or {}) | {"HOME": str(home), "PATH": f"{Path(python).parent}{os.pathsep}/usr/bin:/bin"}
    return subprocess.run([python, "-m", *module], cwd=root, env=env, capture_output=True, text=True,
                          timeout=1800, **run_as)
