"""Run a grading kernel in a sandbox: limits, another user, hidden course files, and nothing left behind.

A notebook being graded is a student's program; a concurrency course's students write fork storms and
runaway threads by accident. ``Sandbox`` wraps the kernel's command line so that:

- the kernel and everything it starts run under resource limits (memory, processes, CPU time, file
  size, open files), hard limits so student code cannot raise them;
- when the grader is root (CI, a grading server), the kernel runs as an unprivileged user of its own
  (``pyconc-sandbox-<slot>``, one per kernel running at the same time), in a mount namespace where the
  course folder, nbgrader's exchange and /home are empty, so it can neither read hidden tests, source
  notebooks or other submissions nor write the gradebook;
- the kernel imports the course package from a read-only copy, and the guard (``course.grading.guard``) gets a
  secret key through a pipe that student code never sees;
- when the notebook is done, every process the kernel started is killed: by user when root, otherwise
  by a token in their environment.

Without root there is no other user and no mount namespace: limits, guard and cleanup still apply.
``COURSE_ISOLATION=off`` turns the sandbox off (the benchmark measures its cost that way).
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import pwd
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["KERNEL_VENV", "Sandbox", "SandboxError", "enabled"]

PACKAGE = Path(__file__).resolve().parents[1]  # the course package, copied read-only for the kernel
KERNEL_VENV = Path(os.environ.get("COURSE_KERNEL_VENV", "/opt/python-concurrency/kernel"))
SLOTS = 16  # kernels that can be sandboxed at the same time on one machine
USER_PREFIX = "pyconc-sandbox-"
TOKEN_VARIABLE = "COURSE_SANDBOX_TOKEN"
GiB, MiB = 1 << 30, 1 << 20
# (soft = hard) limits per process. A thread's stack is RLIMIT_STACK (glibc), so 2 MiB keeps Chapter 6's
# 1 000 threads within the address-space limit.
LIMITS = {
    "RLIMIT_AS": 3 * GiB,
    "RLIMIT_STACK": 2 * MiB,
    "RLIMIT_CPU": 600,
    "RLIMIT_FSIZE": 256 * MiB,
    "RLIMIT_NOFILE": 1024,
    "RLIMIT_CORE": 0,
}
NPROC = 1500  # processes and threads of one sandbox user (only when root: it counts per user)
CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 0x4000, 1 << 18


class SandboxError(Exception):
    """The sandbox cannot be set up; the message says what to do."""


def enabled() -> bool:
    """Whether grading kernels run sandboxed (the default; ``COURSE_ISOLATION=off`` turns it off)."""
    return os.environ.get("COURSE_ISOLATION", "on").lower() not in {"off", "0", "no", "false"}


def is_root() -> bool:
    return os.geteuid() == 0


class Sandbox:
    """One kernel's sandbox: set up on entry, and on exit every process it started is killed.

    ``hide`` names folders the kernel must not see (when root): the course folder and the exchange.
    """

    def __init__(self, hide: list[Path]) -> None:
        self.hide = [Path(p).resolve() for p in hide] + [Path("/home")]
        self.token = secrets.token_hex(16)
        self.key = secrets.token_bytes(32)
        self.user: pwd.struct_passwd | None = None
        self._slot_lock: int | None = None

    def __enter__(self) -> Sandbox:
        self.dir = Path(tempfile.mkdtemp(prefix="pyconc-sandbox-"))
        self.dir.chmod(0o755)
        shutil.copytree(PACKAGE, self.dir / "lib" / "course", ignore=shutil.ignore_patterns("__pycache__"))
        self.work = self.dir / "work"
        self.work.mkdir(mode=0o700)
        if is_root():
            self._claim_user()
            os.chown(self.work, self.user.pw_uid, self.user.pw_gid)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.kill_everything()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            if self._slot_lock is not None:
                os.close(self._slot_lock)

    def kernel_argv(self) -> list[str]:
        """The command that starts the kernel inside this sandbox (``{connection_file}`` left for Jupyter)."""
        config = self.dir / "sandbox.json"
        config.write_text(json.dumps({
            "user": self.user.pw_name if self.user else None, "hide": [str(p) for p in self.hide],
            "work": str(self.work), "lib": str(self.dir / "lib"), "token": self.token, "key": self.key.hex(),
        }))
        config.chmod(0o600)
        return [sys.executable, "-m", "course.grading.sandbox", str(config), kernel_python(), "-P", "-m", "course.grading.kernel",
                "-f", "{connection_file}"]

    def kill_everything(self) -> None:
        """Kill every process the kernel started, and keep at it until none is left (a fork storm respawns)."""
        deadline = time.monotonic() + 10
        while (left := self._processes()) and time.monotonic() < deadline:
            if self.user:
                _kill_all_of(self.user.pw_uid)
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)

    def _processes(self) -> list[int]:
        """The processes of this sandbox: those of its user, or those carrying its token (Linux's /proc;
        elsewhere, e.g. a learner's Mac, there is no way to find them and the kernel's own shutdown is all)."""
        found: list[int] = []
        if not Path("/proc").is_dir():
            return found
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if self.user and entry.stat().st_uid == self.user.pw_uid:
                    found.append(int(entry.name))
                elif f"{TOKEN_VARIABLE}={self.token}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
        return found

    def _claim_user(self) -> None:
        """Take a free slot (a lock held while this sandbox lives) and its user, creating the user if needed."""
        locks = Path(tempfile.gettempdir()) / "pyconc-sandbox-slots"
        locks.mkdir(mode=0o700, exist_ok=True)
        for slot in range(SLOTS):
            fd = os.open(locks / f"{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self._slot_lock, self.user = fd, _user(f"{USER_PREFIX}{slot}")
            return
        raise SandboxError(f"All {SLOTS} sandbox slots are busy: grade fewer notebooks at the same time.")


def kernel_python() -> str:
    """The Python the kernel runs on: a venv outside /root when the kernel runs as another user."""
    if not (enabled() and is_root()):
        return sys.executable
    python = KERNEL_VENV / "bin" / "python"
    if not python.exists():
        raise SandboxError(f"No kernel environment at {KERNEL_VENV}: run ./dev setup as root to create it "
                           f"(or set COURSE_ISOLATION=off to grade without a sandbox).")
    return str(python)


def _user(name: str) -> pwd.struct_passwd:
    """The sandbox user ``name``, created on first use (retried: useradd fails while another one holds
    the lock on /etc/passwd, which happens when two graders start at once)."""
    for _ in range(50):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", name], check=False, capture_output=True)
        time.sleep(0.1)
    raise SandboxError(f"Cannot create the sandbox user {name} (useradd failed): create it by hand with "
                       f"`useradd --system --no-create-home {name}`, or set COURSE_ISOLATION=off.")


def _kill_all_of(uid: int) -> None:
    """SIGKILL every process of ``uid`` at once, from a child that takes that uid (kill(-1) is atomic)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


# --- the wrapper: runs as the grader (maybe root), prepares the process, then becomes the kernel ---

def _hide(paths: list[str]) -> None:
    """In a new mount namespace, cover each folder with an empty read-only tmpfs.

    Where the machine forbids mount namespaces (a container without CAP_SYS_ADMIN), grading goes on with
    only file permissions protecting those folders, and says so in the grader's log.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0 or libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        print(f"course.grading.sandbox: WARNING: no mount namespace here ({os.strerror(ctypes.get_errno())}); "
              f"only file permissions keep this kernel from {', '.join(paths)}", file=sys.stderr)
        return
    for path in paths:
        if os.path.isdir(path) and libc.mount(b"tmpfs", path.encode(), b"tmpfs", 1, b"size=4k,mode=755") != 0:
            raise OSError(ctypes.get_errno(), f"cannot hide {path}")


def _limit(user: bool) -> None:
    """Set the hard limits; a platform that refuses one (macOS and RLIMIT_AS) grades without it."""
    for name, value in LIMITS.items():
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (ValueError, OSError) as refused:
            print(f"course.grading.sandbox: WARNING: {name} not set here ({refused})", file=sys.stderr)
    if user:
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))


def wrapper(config_path: str, kernel: list[str]) -> None:
    """Become the sandboxed kernel: hide, limit, hand over the guard's key, drop privileges, exec."""
    config = json.loads(Path(config_path).read_text())
    connection = kernel[kernel.index("-f") + 1]
    if config["user"]:
        account = pwd.getpwnam(config["user"])
        _hide(config["hide"])
        copy = Path(config["work"]) / "kernel.json"
        shutil.copy(connection, copy)
        os.chown(copy, account.pw_uid, account.pw_gid)
        kernel[kernel.index("-f") + 1] = str(copy)
    read, write = os.pipe()
    os.write(write, bytes.fromhex(config["key"]))
    os.close(write)
    os.set_inheritable(read, True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBGRADER", "COURSE_"))}
    env.update({TOKEN_VARIABLE: config["token"], "COURSE_GUARD_FD": str(read), "PYTHONPATH": config["lib"],
                "PATH": f"{os.path.dirname(kernel[0])}{os.pathsep}{env.get('PATH', '')}",
                "HOME": config["work"], "MPLCONFIGDIR": f"{config['work']}/.matplotlib",
                "IPYTHONDIR": f"{config['work']}/.ipython", "TMPDIR": config["work"]})
    _limit(bool(config["user"]))
    if config["user"]:
        os.setgroups([])
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)
    os.chdir(config["work"])
    os.execve(kernel[0], kernel, env)


if __name__ == "__main__":
    wrapper(sys.argv[1], sys.argv[2:])
