"""The grading kernel's sandbox: what student code can and cannot do while nbgrader grades it.

A probe answer, graded by the real ``nbgrader autograde`` in a course folder that is readable and writable
by everyone (so that only the sandbox stands in the way), reports what it could do; the test reads the
report from the autograded notebook.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from course.grading import autograde as ag
from course.grading import sandbox

pytestmark = pytest.mark.slow

CHAPTER = "ch01_os_history"
PROBE = '''
import json, os, resource

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
print("PROBE" + json.dumps({{
    "uid": os.getuid(),
    "read_source": attempt(lambda: open({source!r}).read()),
    "read_repo_source": attempt(lambda: open({repo_source!r}).read()),
    "list_submissions": attempt(lambda: os.listdir({submitted!r})),
    "write_gradebook": attempt(lambda: open({gradebook!r}, "ab").close()),
    "limits": {{name: resource.getrlimit(getattr(resource, name))[0] for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_NOFILE", "RLIMIT_FSIZE")}},
    "raise_memory_limit": raise_memory_limit(),
}}))
'''


@pytest.fixture
def open_course() -> Iterator[Path]:
    """An empty course folder that everyone may read (under /tmp, mode 755), so only the sandbox protects it."""
    root = Path(tempfile.mkdtemp(prefix="open-course-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root)


def _probe_report(root: Path) -> dict:
    autograded = root / "autograded" / "probe" / CHAPTER / f"{CHAPTER}.ipynb"
    for cell in nbformat.read(autograded, as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output["text"].startswith("PROBE"):
                return json.loads(output["text"][len("PROBE"):])
    raise AssertionError(f"the probe printed nothing; autograded notebook: {autograded}")


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader can run kernels as another user")
def test_student_code_cannot_reach_the_course_and_stays_within_limits(open_course: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_POLICY", "off")  # the grading policy would refuse the probe before it ran
    root = open_course
    ag.make_course(CHAPTER, root)
    for path in root.rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o666)
    submitted = root / "submitted" / "probe" / CHAPTER
    submitted.mkdir(parents=True)
    probe = PROBE.format(source=str(root / "source" / CHAPTER / f"{CHAPTER}.ipynb"),
                         repo_source=str(ag.source_notebook(CHAPTER)), submitted=str(root / "submitted"),
                         gradebook=str(root / "gradebook.db"))
    first_answer = ag.exercises(CHAPTER)[0].solution_ids[0]
    ag.with_cells_replaced(ag.REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb", {first_answer: probe},
                           submitted / f"{CHAPTER}.ipynb")

    done = ag.nbgrader(["autograde", CHAPTER], cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    report = _probe_report(root)

    assert report["uid"] != 0
    assert not report["read_source"], "the kernel read the instructor's source notebook (hidden tests)"
    assert not report["read_repo_source"], "the kernel read the repository's source notebooks"
    assert not report["list_submissions"], "the kernel listed other students' submissions"
    assert not report["write_gradebook"], "the kernel could write the gradebook"
    limits = report["limits"]
    assert limits["RLIMIT_AS"] == sandbox.LIMITS["RLIMIT_AS"]
    assert limits["RLIMIT_NPROC"] == sandbox.NPROC
    assert limits["RLIMIT_CPU"] == sandbox.LIMITS["RLIMIT_CPU"]
    assert limits["RLIMIT_NOFILE"] == sandbox.LIMITS["RLIMIT_NOFILE"]
    assert limits["RLIMIT_FSIZE"] == sandbox.LIMITS["RLIMIT_FSIZE"]
    assert not report["raise_memory_limit"], "student code could raise its own memory limit"


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
