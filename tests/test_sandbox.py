"""The grading kernel's sandbox: what student code can and cannot do while nbgrader grades it.

A probe answer, graded by the real ``nbgrader autograde`` in a course folder that is readable and writable
by everyone (so that only the sandbox stands in the way), reports what it could do; the test reads the
report from the autograded notebook.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import unprivileged

from course.grading import autograde as ag
from course.grading import sandbox

pytestmark = pytest.mark.slow

CHAPTER = "ch01_os_history"
# Root runs the tests in CI: it grades as root, and as an unprivileged user; anyone else grades as themselves.
GRADERS = ["root", "unprivileged"] if os.geteuid() == 0 else ["unprivileged"]
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")
# What a kernel may see at / and in /etc (course/grading/sandbox.py's allowlist).
ROOT_ALLOWED = {"bin", "dev", "etc", "kernel", "lib", "lib64", "opt", "proc", "sbin", "tmp", "usr", "var"}
ETC_ALLOWED = {"passwd", "group", "hosts", "nsswitch.conf", "localtime", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "fonts"}
PROBE = """
import json, os, resource, socket, subprocess, sys
def attempt(action):
    try:
        action()
        return True
    except OSError:
        return False
def raise_memory_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (hard * 2, hard * 2))
        return True
    except (ValueError, OSError):
        return False
def connect(port):
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
def debugger():
    try:
        import debugpy  # noqa: F401
        return True
    except ImportError:
        return False
def listing(folder):
    try:
        return sorted(os.listdir(folder))
    except OSError as error:
        return str(error)
found = {{folder: listing(folder) for folder in {scratch!r}}}
for folder in {scratch!r}:
    with open(os.path.join(folder, {written!r}), "w") as left:
        left.write("an earlier student's work")
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", {written!r}], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("PROBE" + json.dumps({{
    "uid": os.getuid(),
    "read_source": attempt(lambda: open({source!r}).read()),
    "read_repo_source": attempt(lambda: open({repo_source!r}).read()),
    "list_submissions": attempt(lambda: os.listdir({submitted!r})),
    "write_gradebook": attempt(lambda: open({gradebook!r}, "ab").close()),
    "read_markers": [m for m in {markers!r} if attempt(lambda m=m: open(m).read())],
    "connect_to_grader": attempt(lambda: connect({port})),
    "interfaces": [name for _, name in socket.if_nameindex()],
    "scratch": found,
    "root": listing("/"), "etc": listing("/etc"),
    "grading_modules": listing(os.path.join(os.path.dirname(__import__("course").__file__), "grading")),
    "limits": {{name: resource.getrlimit(getattr(resource, name))[0]
               for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_NOFILE", "RLIMIT_FSIZE")}},
    "raise_memory_limit": raise_memory_limit(),
    "debugger": debugger(),
}}))
"""


@pytest.fixture
def planted() -> Iterator[dict]:
    """What a kernel must not reach, set up by the test, readable by everyone so that only the sandbox stands
    in the way: marker files standing in for an instructor's copy of the course elsewhere on disk, an
    earlier student's leftovers in /tmp, /var/tmp and /dev/shm, and a TCP port open on the grader's loopback."""
    tag = secrets.token_hex(6)
    markers = [Path(folder, f"pyconc-marker-{tag}") for folder in ("/root", "/opt", "/srv", "/var/lib")]
    leftovers = [Path(folder, f"pyconc-leftover-{tag}") for folder in SCRATCH]
    for path in markers + leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("hidden tests")
        path.chmod(0o644)
    listener = socket.create_server(("127.0.0.1", 0))
    yield {"tag": tag, "markers": [str(m) for m in markers], "leftovers": [str(m) for m in leftovers],
           "port": listener.getsockname()[1], "written": f"pyconc-written-{tag}"}
    listener.close()
    for path in markers + leftovers + [Path(folder, f"pyconc-written-{tag}") for folder in SCRATCH]:
        path.unlink(missing_ok=True)
    for pid in _processes_with(f"pyconc-written-{tag}"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _processes_with(argument: str) -> list[int]:
    """The live processes that have ``argument`` on their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and argument.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def _probe_report(root: Path) -> dict:
    autograded = root / "autograded" / "probe" / CHAPTER / f"{CHAPTER}.ipynb"
    for cell in nbformat.read(autograded, as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output["text"].startswith("PROBE"):
                return json.loads(output["text"][len("PROBE"):])
    raise AssertionError(f"the probe printed nothing; autograded notebook: {autograded}")


def _grade_probe(root: Path, planted: dict, grader: str, isolation: str = "on") -> tuple[dict, str]:
    """Grade a notebook whose first answer is the probe, in a course folder everyone may read and write;
    what the probe could do, and nbgrader's log."""
    ag.make_course(CHAPTER, root)
    submitted = root / "submitted" / "probe" / CHAPTER
    submitted.mkdir(parents=True)
    probe = PROBE.format(source=str(root / "source" / CHAPTER / f"{CHAPTER}.ipynb"),
                         repo_source=str(ag.source_notebook(CHAPTER)), submitted=str(root / "submitted"),
                         gradebook=str(root / "gradebook.db"), scratch=SCRATCH, **{
                             k: planted[k] for k in ("markers", "port", "written")})
    first_answer = ag.exercises(CHAPTER)[0].solution_ids[0]
    ag.with_cells_replaced(ag.REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb", {first_answer: probe},
                           submitted / f"{CHAPTER}.ipynb")
    env = {"COURSE_ISOLATION": isolation, "COURSE_POLICY": "off"}  # the grading policy would refuse the probe
    if grader == "unprivileged":
        done = unprivileged.run(["nbgrader", "autograde", CHAPTER], root, env)
    else:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
        done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", CHAPTER], cwd=root, capture_output=True,
                              env=ag.nbgrader_env() | env, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return _probe_report(root), done.stderr


@pytest.mark.parametrize("grader", GRADERS)
def test_student_code_sees_only_the_allowlist_and_leaves_nothing(open_course: Path, planted: dict, grader: str) -> None:
    report, log = _grade_probe(open_course, planted, grader)

    user = "other user" if grader == "root" else "same user in a user namespace"
    assert f"grading isolation: bubblewrap, {user}, no network, filesystem allowlist" in log, log[-3000:]
    assert not report["read_source"], "the kernel read the instructor's source notebook (hidden tests)"
    assert not report["read_repo_source"], "the kernel read the repository's source notebooks"
    assert not report["list_submissions"], "the kernel listed other students' submissions"
    assert not report["write_gradebook"], "the kernel could write the gradebook"
    assert report["read_markers"] == [], "the kernel read files outside its allowlist"
    assert set(report["root"]) <= ROOT_ALLOWED, report["root"]
    assert set(report["etc"]) <= ETC_ALLOWED, report["etc"]
    assert set(report["grading_modules"]) <= set(sandbox.KERNEL_MODULES) | {"__pycache__"}, report["grading_modules"]
    assert report["scratch"] == {folder: [] for folder in SCRATCH}, "the kernel's /tmp, /var/tmp, /dev/shm were not its own"
    assert not report["connect_to_grader"], "the kernel reached a port on the grader's loopback"
    assert report["interfaces"] == ["lo"]
    assert [folder for folder in SCRATCH if Path(folder, planted["written"]).exists()] == [], "files outlived grading"
    assert _processes_with(planted["written"]) == [], "a process the kernel started outlived grading"

    limits = report["limits"]
    assert report["uid"] != 0
    assert limits["RLIMIT_AS"] == sandbox.LIMITS["RLIMIT_AS"]
    assert limits["RLIMIT_CPU"] == sandbox.LIMITS["RLIMIT_CPU"]
    assert limits["RLIMIT_NOFILE"] == sandbox.LIMITS["RLIMIT_NOFILE"]
    assert limits["RLIMIT_FSIZE"] == sandbox.LIMITS["RLIMIT_FSIZE"]
    assert limits["RLIMIT_NPROC"] == sandbox.NPROC
    assert not report["raise_memory_limit"], "student code could raise its own memory limit"
    assert not report["debugger"], "the grading kernel let student code import a debugger"


def test_the_probe_sees_everything_with_isolation_off(open_course: Path, planted: dict) -> None:
    """The control for the test above: with COURSE_ISOLATION=off the same probe reads the markers and the
    earlier student's leftovers, reaches the port, and its files and process outlive grading."""
    report, log = _grade_probe(open_course, planted, GRADERS[0], isolation="off")
    assert "grading isolation: OFF" in log, log[-3000:]
    readable = [m for m in planted["markers"] if os.geteuid() == 0 or not m.startswith("/root/")]
    assert report["read_markers"] == readable
    assert report["connect_to_grader"]
    assert all(Path(left).name in report["scratch"][str(Path(left).parent)] for left in planted["leftovers"])
    assert all(Path(folder, planted["written"]).exists() for folder in SCRATCH)
    assert _processes_with(planted["written"]) != []


def test_without_root_leftovers_are_found_by_their_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """A grader without root has no user to kill by: the token in the environment finds the processes."""
    monkeypatch.setattr(sandbox, "is_root", lambda: False)
    with sandbox.Sandbox(hide=[]) as box:
        env = dict(os.environ, **{sandbox.TOKEN_VARIABLE: box.token})
        detached = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], env=env,
                                    start_new_session=True)
        time.sleep(0.2)
    deadline = time.monotonic() + 5
    while detached.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if detached.poll() is None:
        detached.send_signal(signal.SIGKILL)
        pytest.fail("a process carrying the sandbox's token outlived the sandbox")
    assert detached.returncode == -signal.SIGKILL
