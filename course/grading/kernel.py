"""The grading kernel: ipykernel, with the guard armed before any student code runs.

``course.grading.sandbox`` starts this module in place of ``ipykernel_launcher``. The guard's key arrives through
the pipe named by ``COURSE_GUARD_FD``, which is read and closed here, before the first cell.
"""
from __future__ import annotations

import os
import sys
import threading

from course.bounded import thread_stacks
from course.grading import guard

# Packages whose threads are the kernel's own, not the student's.
KERNEL_PACKAGES = ("ipykernel", "IPython", "zmq", "jupyter_client", "tornado", "comm", "asyncio")


def _key() -> bytes:
    with os.fdopen(int(os.environ.pop("COURSE_GUARD_FD")), "rb") as pipe:
        return pipe.read()


def student_thread_stacks() -> str:
    """Where each thread the student's code started is (shown by the grader when a cell times out)."""
    def kernels_own(thread: threading.Thread) -> bool:
        target = getattr(thread, "_target", None)
        module = getattr(target, "__module__", None) or type(thread).__module__
        return module.split(".")[0] in KERNEL_PACKAGES

    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not kernels_own(t)]
    return thread_stacks(others) if others else "(no other thread is running)"


def main() -> None:
    key = _key()
    # No debugger: grading needs none, it would give student code one more way into the kernel's frames, and
    # importing debugpy is a third of ipykernel's start-up. ipykernel does without it when the import fails.
    sys.modules["debugpy"] = None
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    # Plain tracebacks, as Python prints them: the grader shows every failed check's, and IPython's default,
    # with source context from parsing each frame's module, costs a failing test cell five times as much CPU.
    app.shell.InteractiveTB.set_mode(mode="Plain")
    guard.arm(app.shell, app.kernel, key)
    app.start()


if __name__ == "__main__":
    main()
