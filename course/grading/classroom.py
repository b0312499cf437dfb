"""A class on one machine: JupyterHub, local Linux accounts, a shared exchange, the course as a hub service.

``python -m course class setup|start|stop`` (``./dev class …``; as root). The layout follows nbgrader's
"multiple classes" JupyterHub setup: the course folder belongs to a grader account ``grader-<course id>``, whose
Jupyter server runs as the hub service ``<course id>`` (Formgrader, autograding); the instructor reaches it as a
member of the hub group ``formgrade-<course id>``; students are members of ``nbgrader-<course id>``, each with
their own account and server, and see only the courses of their groups (nbgrader's JupyterHubAuthPlugin).
Everything lives under one folder (``COURSE_CLASS_ROOT``, default /srv/python-concurrency):

- ``course/``    the course folder (source/, submissions, gradebook unless ``COURSE_DB_URL`` names PostgreSQL),
                 mode 700 for the grader account: students never see solutions or hidden tests;
- ``lib/``       the student-facing ``course`` package the notebooks import, read-only for everyone;
- ``jupyter/``   the nbgrader settings every account reads (exchange, course id, multi-course layout);
- ``jupyter-grader/``  the course service's own Jupyter settings (the Formgrader may be framed by its lab);
- ``exchange/``  the shared exchange, writable by everyone and sticky (nbgrader #659, #1225: nbgrader's own
                 modes inside it keep submissions private);
- ``hub/``       JupyterHub's state, its log, and ``class.json`` (ports, accounts, the test password), root only.
"""
from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course.grading import sandbox
from course.grading.autograde import REPO, GradingError, chapters

COURSE_ID = "python-concurrency"
HUB_CONFIG = Path(__file__).with_name("jupyterhub_config.py")  # the template JupyterHub loads; reads class.json
VENV = Path(os.environ.get("COURSE_GRADER_VENV", "/opt/python-concurrency/grader"))  # a Python every account runs
START_SECONDS = 120  # the hub and the course service took 20 to 60 s to answer on a busy 2-core machine
STOP_SECONDS = 30

__all__ = ["Classroom", "end_session", "load", "processes_of", "setup", "start", "stop"]


@dataclass
class Classroom:
    """What ``setup`` decided, saved as ``hub/class.json`` for ``start``, ``stop`` and the hub's config."""

    root: str
    instructor: str
    students: list[str]
    password: str
    port: int
    ports: dict[str, int] = field(default_factory=dict)  # hub API, proxy API, course service: free at setup
    db_url: str = ""
    homes: str = "/home"
    course_id: str = COURSE_ID
    venv: str = str(VENV)

    @property
    def grader(self) -> str:
        return f"grader-{self.course_id}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def path(self, *parts: str) -> Path:
        return Path(self.root, *parts)


def class_root() -> Path:
    return Path(os.environ.get("COURSE_CLASS_ROOT", "/srv/python-concurrency"))


def load(root: Path | None = None) -> Classroom:
    """The class set up under ``root``; a clear error when ``setup`` has not run there."""
    settings = (root or class_root()) / "hub" / "class.json"
    if not settings.is_file():
        raise GradingError(f"No class is set up in {settings.parent.parent}: run `./dev class setup` first.")
    return Classroom(**json.loads(settings.read_text()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _account(name: str, homes: str) -> pwd.struct_passwd:
    """The Linux account ``name`` with its home under ``homes``: created, or moved there (idempotent)."""
    home = Path(homes) / name
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        _run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", name])
        account = pwd.getpwnam(name)
    if account.pw_dir != str(home):
        _run(["usermod", "--home", str(home), name])
        account = pwd.getpwnam(name)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, account.pw_uid, account.pw_gid)
    home.chmod(0o700)
    return account


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if done.returncode:
        raise GradingError(f"`{' '.join(argv)}` failed: {done.stderr.strip()} (account names: lower-case letters, "
                           f"digits, - and _, starting with a letter)")


def _tree_owned_by(folder: Path, account: pwd.struct_passwd) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid, follow_symlinks=False)


STUDENT_CONFIG = '''\
"""nbgrader settings for every account of the class (written by `python -m course class setup`)."""
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
# Several courses on one hub: each course's files in its own folder of the exchange and of a student's home,
# and a student sees the courses of their hub groups (nbgrader-<course id>) only.
c.Exchange.path_includes_course = True
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
'''


# JupyterLab shows the Formgrader in an iframe of the course service's own pages; jupyterhub-singleuser (6.1.1 too)
# forbids any framing by default, which leaves that tab blank ("refused to connect", nbgrader #1870, #1915).
GRADER_SERVER_CONFIG = '''\
"""The course service's Jupyter server (written by `python -m course class setup`)."""
c = get_config()  # noqa: F821
c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
'''


def _write_files(room: Classroom, grader: pwd.struct_passwd) -> None:
    """The class's folders: exchange, student-facing package, shared nbgrader settings, the course folder."""
    root = Path(room.root)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    exchange = root / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o1777)  # like /tmp: nobody renames or removes another's course folder
    lib = root / "lib"
    shutil.rmtree(lib, ignore_errors=True)
    shutil.copytree(sandbox.PACKAGE, lib / "course", ignore=sandbox._not_for_the_kernel)
    (root / "jupyter").mkdir(exist_ok=True)
    (root / "jupyter" / "nbgrader_config.py").write_text(
        STUDENT_CONFIG.format(course_id=room.course_id, exchange=str(exchange)))
    (root / "jupyter-grader").mkdir(exist_ok=True)
    (root / "jupyter-grader" / "jupyter_server_config.py").write_text(GRADER_SERVER_CONFIG)
    course = root / "course"
    course.mkdir(exist_ok=True)
    course.chmod(0o700)
    # The grader's own copy of the course package (nbgrader_config.py imports the grading machinery) and the
    # chapters' source notebooks: refreshed, while submissions, feedback and the gradebook stay.
    shutil.rmtree(course / "lib", ignore_errors=True)
    shutil.copytree(sandbox.PACKAGE, course / "lib" / "course", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "nbgrader_config.py", course)
    for chapter in chapters():
        shutil.copytree(REPO / "source" / chapter, course / "source" / chapter, dirs_exist_ok=True)
    _tree_owned_by(course, grader)


def setup(instructor: str, students: list[str]) -> Classroom:
    """Create (or update) the accounts, folders and settings of a class; nothing starts."""
    if os.geteuid() != 0:
        raise GradingError("Setting up a class creates Linux accounts: run it as root (sudo ./dev class setup).")
    if not (VENV / "bin" / "jupyterhub-singleuser").exists():
        raise GradingError(f"No course environment with JupyterHub at {VENV}: run ./dev class setup (it makes one).")
    root = class_root()
    previous = load(root) if (root / "hub" / "class.json").is_file() else None
    room = Classroom(
        root=str(root), instructor=instructor, students=students,
        password=os.environ.get("COURSE_CLASS_PASSWORD") or (previous.password if previous else secrets.token_urlsafe(12)),
        port=int(os.environ.get("COURSE_CLASS_PORT", "8000")),
        ports={name: _free_port() for name in ("hub", "proxy_api", "service")},
        db_url=os.environ.get("COURSE_DB_URL", ""), homes=os.environ.get("COURSE_CLASS_HOMES", "/home"),
    )
    for name in (instructor, *students):
        _account(name, room.homes)
    grader = _account(room.grader, room.homes)
    _write_files(room, grader)
    hub = root / "hub"
    hub.mkdir(mode=0o700, exist_ok=True)
    (hub / "class.json").write_text(json.dumps(asdict(room), indent=2))
    (hub / "class.json").chmod(0o600)
    return room


def _answers(url: str) -> bool:
    with contextlib.suppress(OSError):
        with urllib.request.urlopen(f"{url}/hub/api", timeout=5) as response:
            return response.status == 200
    return False


def start() -> Classroom:
    """Start JupyterHub (and through it the proxy and the course service) in the background; return once the
    hub answers through the proxy."""
    room = load()
    if not shutil.which("configurable-http-proxy"):
        raise GradingError("JupyterHub needs configurable-http-proxy on PATH: `npm install --global "
                           "configurable-http-proxy` (./dev class installs it).")
    if _running_pid(room):
        raise GradingError(f"The class's hub is already running ({room.url}); `./dev class stop` stops it.")
    hub = room.path("hub")
    env = dict(os.environ, COURSE_CLASS_SETTINGS=str(hub / "class.json"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}")
    with (hub / "jupyterhub.log").open("a") as log:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(HUB_CONFIG)], cwd=hub, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    (hub / "jupyterhub.pid").write_text(str(process.pid))
    deadline = time.monotonic() + START_SECONDS
    while not _answers(room.url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop()
            tail = (hub / "jupyterhub.log").read_text()[-3000:]
            raise GradingError(f"JupyterHub did not start within {START_SECONDS} s; its log ends with:\n{tail}")
        time.sleep(0.5)
    return room


def _running_pid(room: Classroom) -> int | None:
    pid_file = room.path("hub", "jupyterhub.pid")
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
        return pid
    return None


def processes_of(uids: set[int]) -> list[int]:
    """The processes that the users ``uids`` run (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and entry.stat().st_uid in uids:
                found.append(int(entry.name))
    return found


def stop() -> Classroom:
    """Stop the hub (which stops the course service and every user's server), then the proxy, then end whatever
    the class's accounts still run (kernels, grading sandboxes): nothing of the class is left running."""
    room = load()
    end_session(room.path("hub", "jupyterhub.pid"), "jupyterhub")
    # JupyterHub starts the proxy in a session of its own and stops it last, after every server: a hub that is
    # still stopping servers at STOP_SECONDS is killed before it gets there, and the proxy would run on.
    end_session(room.path("hub", "proxy.pid"), "configurable-http-proxy")
    uids = {pwd.getpwnam(name).pw_uid for name in (room.instructor, *room.students, room.grader)}
    deadline = time.monotonic() + STOP_SECONDS
    while (left := processes_of(uids)) and time.monotonic() < deadline:
        for uid in uids:
            sandbox._kill_all_of(uid)
        time.sleep(0.1)
    if left:
        raise GradingError(f"Processes of the class's accounts outlived `stop`: {left}")
    return room


def end_session(pid_file: Path, command: str) -> None:
    """End the session led by the process ``pid_file`` names, if that process still runs ``command`` (a pid
    the system gave to another program since is left alone): SIGTERM to its process group, SIGKILL after
    STOP_SECONDS; then remove ``pid_file``."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_file.read_text())
        if command in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_SECONDS
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (reaping it when it is our child, as after ``start`` in the same process)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(action: str, instructor: str, students: list[str]) -> int:
    """``python -m course class ACTION``: what each action did, or what stopped it."""
    try:
        if action == "setup":
            room = setup(instructor, students)
            print(f"Class set up in {room.root}: instructor {room.instructor}, students {', '.join(room.students)}, "
                  f"course service {room.course_id} run by {room.grader}; test password: {room.password}")
        elif action == "start":
            room = start()
            print(f"JupyterHub is running: {room.url} (log: {room.path('hub', 'jupyterhub.log')}). The instructor's "
                  f"Formgrader: {room.url}/services/{room.course_id}/lab")
        else:
            stop()
            print("The class's hub, proxy, servers and kernels are stopped.")
    except (GradingError, sandbox.SandboxError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
