"""Run a grading kernel in a sandbox: limits, another user, an allowlist of files, no network, nothing left.

A notebook being graded is a student's program; a concurrency course's students write fork storms and
runaway threads by accident, and a hostile one looks for hidden tests. ``Sandbox`` wraps the kernel's
command line so that:

- the kernel and everything it starts run under resource limits (memory, processes, CPU time, file
  size, open files), hard limits so student code cannot raise them;
- with bubblewrap (``bwrap``; as root, or as any user where the kernel allows user namespaces), the
  kernel runs in new user, mount, pid, network and IPC namespaces that see only an allowlist: its
  Python, the course's student-facing package (a read-only copy without the grader's modules), its own
  empty working folder and private, empty ``/tmp``, ``/var/tmp`` and ``/dev/shm``, a ``/proc`` of its
  own pid namespace, a minimal ``/dev`` and the few ``/etc`` files Python reads. No network but
  loopback: the grader talks to it over unix sockets (Jupyter's ``ipc`` transport) in a folder shared
  with it. When its first process ends, the kernel kills every other process of the namespace, and
  every folder it could write vanishes with it;
- when the grader is root, the kernel also runs as an unprivileged user of its own
  (``pyconc-sandbox-<slot>``, one per kernel running at the same time);
- the guard (``course.grading.guard``) gets a secret key through a pipe that student code never sees;
- when the notebook is done, every process the kernel started is killed: by user when root, otherwise
  by a token in their environment.

Without bubblewrap, as root the kernel runs as the other user in a mount namespace where the course
folder, the exchange and /home are empty (a denylist, with the network open); without root either, only
limits, guard and cleanup apply. Each grading run says which of these is in force (``announce``).
``COURSE_ISOLATION=off`` turns the sandbox off (the benchmark measures its cost that way).
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
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
from typing import Any

from course import proc_stat

__all__ = ["KERNEL_VENV", "Sandbox", "SandboxError", "announce", "describe", "enabled", "mode"]

PACKAGE = Path(__file__).resolve().parents[1]  # the course package, copied read-only for the kernel
KERNEL_MODULES = ("__init__.py", "kernel.py", "guard.py")  # all of course/grading that the kernel runs
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
NPROC = 1500  # processes and threads of one sandbox (its user's when root, its user namespace's with bubblewrap)
CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 0x4000, 1 << 18
PR_SET_PDEATHSIG = 1
# Inside bubblewrap: where the kernel finds the course package (read-only), its sockets and its working folder.
INSIDE = "/kernel"
SCRATCH = 256 * MiB  # the size of each private tmpfs (/tmp, /var/tmp, /dev/shm, the working folder)
# The machine's files the kernel's Python needs, read-only: programs and shared libraries, and from /etc
# only what the C library and Python read (users' names, the dynamic linker's cache, the time zone, fontconfig's).
SYSTEM = ("/usr/bin", "/usr/lib", "/usr/lib64", "/usr/share/zoneinfo", "/etc/passwd", "/etc/group", "/etc/hosts",
          "/etc/nsswitch.conf", "/etc/localtime", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/fonts")
MERGED_USR = ("/bin", "/sbin", "/lib", "/lib64")  # symbolic links into /usr on current Debian
KEPT_ENVIRONMENT = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")  # the grader's variables the kernel gets: no secrets


class SandboxError(Exception):
    """The sandbox cannot be set up; the message says what to do."""


def enabled() -> bool:
    """Whether grading kernels run sandboxed (the default; ``COURSE_ISOLATION=off`` turns it off)."""
    return os.environ.get("COURSE_ISOLATION", "on").lower() not in {"off", "0", "no", "false"}


def is_root() -> bool:
    return os.geteuid() == 0


@functools.cache
def mode() -> str:
    """The strongest isolation this machine offers: ``bubblewrap`` where ``bwrap`` can make namespaces as an
    unprivileged user (the kernel's user when root), else ``denylist`` (root: another user, course folders
    hidden by a mount namespace), else ``limits``."""
    bwrap = shutil.which("bwrap")
    if bwrap:
        nobody = {"user": 65534, "group": 65534, "extra_groups": []} if is_root() else {}
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            probe = subprocess.run([bwrap, *_bwrap_layout(), "/usr/bin/true"], capture_output=True, timeout=30,
                                   **nobody)
            if probe.returncode == 0:
                return "bubblewrap"
    return "denylist" if is_root() else "limits"


def describe() -> str:
    """One line saying which isolation grading kernels get here, and plainly what is not isolated."""
    if not enabled():
        return ("grading isolation: OFF (COURSE_ISOLATION=off): student code runs as the grader, without "
                "limits, and can read every file the grader can and use the network")
    if mode() == "bubblewrap":
        user = "other user" if is_root() else "same user in a user namespace"
        return (f"grading isolation: bubblewrap, {user}, no network, filesystem allowlist, private /tmp, "
                f"own pid namespace, limits")
    if mode() == "denylist":
        return ("grading isolation: other user, limits, course folders hidden (a denylist); NOT isolated: the "
                "rest of the filesystem, /tmp, the network (install bubblewrap to isolate them)")
    return ("grading isolation: limits only; NOT isolated: the kernel runs as you and can read every file you "
            "can, use the network and leave files in /tmp (install bubblewrap, or allow user namespaces)")


def announce() -> None:
    """Say on stderr, once per grading run (process) and setting, which isolation is in force."""
    _say_once(describe())


@functools.cache
def _say_once(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Sandbox:
    """One kernel's sandbox: set up on entry, and on exit every process it started is killed.

    ``hide`` names folders the kernel must not see: the course folder and the exchange. Only the denylist
    (root without bubblewrap) needs it; with bubblewrap the kernel sees nothing that is not allowed.
    """

    def __init__(self, hide: list[Path]) -> None:
        self.hide = [Path(p).resolve() for p in hide] + [Path("/home")]
        self.token = secrets.token_hex(16)
        self.key = secrets.token_bytes(32)
        self.user: pwd.struct_passwd | None = None
        self._slot_lock: int | None = None

    def __enter__(self) -> Sandbox:
        announce()
        self.dir = Path(tempfile.mkdtemp(prefix="pyconc-sandbox-"))
        self.dir.chmod(0o755)
        shutil.copytree(PACKAGE, self.dir / "lib" / "course", ignore=_not_for_the_kernel)
        self.work, self.ipc = self.dir / "work", self.dir / "ipc"
        for folder in (self.work, self.ipc):
            folder.mkdir(mode=0o700)
        if is_root():
            self._claim_user()
            for folder in (self.work, self.ipc):
                os.chown(folder, self.user.pw_uid, self.user.pw_gid)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.kill_everything()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            if self._slot_lock is not None:
                os.close(self._slot_lock)

    def prepare(self, km: Any) -> None:
        """Make a kernel manager start its kernel in this sandbox; with no network there, over unix sockets."""
        km.kernel_spec.argv = self.kernel_argv()
        if mode() == "bubblewrap":
            km.transport, km.ip = "ipc", str(self.ipc / "kernel")

    def kernel_argv(self) -> list[str]:
        """The command that starts the kernel inside this sandbox (``{connection_file}`` left for Jupyter)."""
        config = self.dir / "sandbox.json"
        config.write_text(json.dumps({
            "user": self.user.pw_name if self.user else None, "hide": [str(p) for p in self.hide],
            "work": str(self.work), "lib": str(self.dir / "lib"), "ipc": str(self.ipc), "token": self.token,
            "key": self.key.hex(), "bwrap": shutil.which("bwrap") if mode() == "bubblewrap" else None,
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
        marker = f"{TOKEN_VARIABLE}={self.token}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            if (stat := proc_stat.read(entry.name)) is None or proc_stat.exited(stat[0]):
                continue  # gone, or a zombie: the kernel's own bubblewrap is one until jupyter_client reaps it
            with contextlib.suppress(OSError):
                if self.user and entry.stat().st_uid == self.user.pw_uid or marker in (entry / "environ").read_bytes():
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


def _not_for_the_kernel(folder: str, names: list[str]) -> set[str]:
    """What the kernel's copy of the course package leaves out: caches, and the grader's own modules."""
    left_out = {n for n in names if n == "__pycache__"}
    if Path(folder) == PACKAGE / "grading":
        left_out |= {n for n in names if n not in KERNEL_MODULES}
    return left_out


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


def _bwrap_layout() -> list[str]:
    """bubblewrap's namespaces and the machine's files every sandbox sees (read-only)."""
    args = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"]
    for path in MERGED_USR:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        else:
            args += ["--ro-bind-try", path, path]
    for path in SYSTEM:
        args += ["--ro-bind-try", path, path]
    return args + ["--proc", "/proc", "--dev", "/dev"]


def python_folders(python: str) -> list[str]:
    """What ``python`` needs to run: its venv (whole), and the bin/ and lib/ of the installation the venv was
    made from (not its whole prefix: /usr/local can hold nbgrader's exchange)."""
    venv = Path(python).parent.parent
    config = venv / "pyvenv.cfg"
    homes = [Path(os.path.realpath(python)).parent]
    if config.is_file():
        settings = {k.strip(): v.strip() for k, v in (line.split("=", 1) for line in config.read_text().splitlines()
                                                      if "=" in line)}
        homes.append(Path(settings.get("home", os.path.dirname(python))))
    folders = {str(venv)} if config.is_file() else set()
    for home in homes:
        folders |= {str(home.parent / "bin"), str(home.parent / "lib"), str(home.parent / "lib64")}
    return sorted(folders)


def _bwrap_argv(config: dict[str, Any], kernel: list[str]) -> list[str]:
    """The bubblewrap command that runs ``kernel`` seeing only the allowlist, with no network."""
    args = [config["bwrap"], *_bwrap_layout()]
    for folder in python_folders(kernel[0]):
        args += ["--ro-bind-try", folder, folder]
    args += ["--ro-bind", config["lib"], f"{INSIDE}/lib", "--bind", config["ipc"], f"{INSIDE}/ipc"]
    for scratch in (f"{INSIDE}/work", "/tmp", "/var/tmp", "/dev/shm"):
        args += ["--perms", "1777" if scratch != f"{INSIDE}/work" else "0700", "--size", str(SCRATCH),
                 "--tmpfs", scratch]
    # Without root there is no user of its own to count processes by; in its own user namespace, though,
    # RLIMIT_NPROC counts only the sandbox's processes (Linux 5.14 and later), once set inside it.
    prlimit = shutil.which("prlimit", path="/usr/bin:/bin")
    limit = [prlimit, f"--nproc={NPROC}", "--"] if prlimit and not config["user"] else []
    return [*args, "--chdir", f"{INSIDE}/work", "--", *limit, *kernel]


def _hand_over_connection(connection: str, config: dict[str, Any], account: pwd.struct_passwd | None) -> str:
    """Copy the connection file where the kernel can read it, its sockets named by their path inside."""
    info = json.loads(Path(connection).read_text())
    info["ip"] = f"{INSIDE}/ipc/{Path(info['ip']).name}"
    copy = Path(config["ipc"]) / "kernel.json"
    copy.write_text(json.dumps(info))
    if account:
        os.chown(copy, account.pw_uid, account.pw_gid)
    return f"{INSIDE}/ipc/kernel.json"


def _environment(config: dict[str, Any], python: str, inside: bool) -> dict[str, str]:
    """The kernel's environment: a few of the grader's variables (none that could hold a secret), and its own."""
    env = {k: os.environ[k] for k in KEPT_ENVIRONMENT if k in os.environ}
    # ipykernel exits when its parent does; inside bubblewrap its parent is pid 1, and --die-with-parent does it.
    if inside or "JPY_PARENT_PID" in os.environ:
        env["JPY_PARENT_PID"] = "1" if inside else os.environ["JPY_PARENT_PID"]
    work, lib = (f"{INSIDE}/work", f"{INSIDE}/lib") if inside else (config["work"], config["lib"])
    return env | {TOKEN_VARIABLE: config["token"], "PYTHONPATH": lib, "HOME": work,
                  "PATH": os.pathsep.join([os.path.dirname(python), "/usr/bin", "/bin"]),
                  "MPLCONFIGDIR": f"{work}/.matplotlib", "IPYTHONDIR": f"{work}/.ipython",
                  "TMPDIR": "/tmp" if inside else work}


def _pass_key(key: str) -> str:
    """A pipe holding the guard's key, inherited by the kernel; its descriptor's number."""
    read, write = os.pipe()
    os.write(write, bytes.fromhex(key))
    os.close(write)
    os.set_inheritable(read, True)
    return str(read)


def _die_with(grader: int) -> None:
    """From here on, through exec, be killed when the grader dies (Linux's parent-death signal; set after
    dropping privileges, which clears it), and end now if it already has: bubblewrap's --die-with-parent
    starts only once bubblewrap runs, so a grader killed just before (a cluster worker killed mid-grade) would
    leave the sandbox running."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != grader:
        os._exit(1)


def wrapper(config_path: str, kernel: list[str]) -> None:
    """Become the sandboxed kernel: hide, limit, hand over the guard's key, drop privileges, exec."""
    grader = os.getppid()
    config = json.loads(Path(config_path).read_text())
    account = pwd.getpwnam(config["user"]) if config["user"] else None
    inside = bool(config["bwrap"])
    connection = kernel.index("-f") + 1
    if inside:
        kernel[connection] = _hand_over_connection(kernel[connection], config, account)
    elif account:
        _hide(config["hide"])
        copy = Path(config["work"]) / "kernel.json"
        shutil.copy(kernel[connection], copy)
        os.chown(copy, account.pw_uid, account.pw_gid)
        kernel[connection] = str(copy)
    env = _environment(config, kernel[0], inside) | {"COURSE_GUARD_FD": _pass_key(config["key"])}
    _limit(bool(account))
    if account:
        os.setgroups([])
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)
    _die_with(grader)
    if inside:
        # Jupyter interrupts a kernel by sending SIGINT to its process group, which holds bubblewrap too;
        # bubblewrap must outlive it (the kernel sets its own handler for SIGINT).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        argv = _bwrap_argv(config, kernel)
        os.execve(argv[0], argv, env)
    os.chdir(config["work"])
    os.execve(kernel[0], kernel, env)


if __name__ == "__main__":
    wrapper(sys.argv[1], sys.argv[2:])
