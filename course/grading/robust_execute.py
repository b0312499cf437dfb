"""nbgrader's Execute step, made to survive a kernel that dies or stops answering.

Stock nbgrader 0.9.6 discards a whole submission when its kernel dies (``os._exit``, a crash) and, when a
cell hangs and ignores the interrupt, sends every later cell to the same hung kernel, each waiting out the
full timeout. Here the first such cell gets an error output that says what happened, every later code
cell gets an error output saying it was not run and why, the kernel is shut down, and grading goes on:
the checks that ran keep their points, the rest get 0 with a reason the student can read.

It also runs the kernel in a sandbox (``course.grading.sandbox``: limits, another user when root, hidden course
files, every leftover process killed afterwards), asks the guard (``course.grading.guard``) before and after each
graded cell whether student code tampered with the grading machinery (a graded cell gets 0 if so), shows
where each of the student's threads is stuck when a cell times out, caps each cell's output, and leaves out
the teaching demos that no exercise depends on (``course.grading.demo_cells``).

Bounds hold per submission, not only per cell: the whole notebook has ``notebook_timeout`` seconds
(``COURSE_NOTEBOOK_TIMEOUT``, default 300), after which the running cell is interrupted and every later cell
is marked not run; everything the kernel sends (outputs of every kind, widget and comm state, metadata)
counts against a per-cell and a per-notebook cap, and its sockets refuse any message part over
``MAX_MESSAGE_BYTES``, so the grader's memory and the autograded notebook stay bounded whatever the kernel sends.

A test cell is scored from the checks' signed record (``course.grading.guard``), not from what it displayed:
its outputs are replaced by the first failing check's message as one error output (no traceback, which would
show the hidden tests), or by nothing when every check it calls passed. No output of any cell may show a
line of a hidden test; such an output is removed.

Time bounds count only the time the kernel's processes could run: every wait for the kernel's reply (a cell's
timeout, an answer after an interrupt) is measured on a ``course.fair_clock.FairClock`` of the kernel's process
tree, so a grader busy with other notebooks cannot make a cell time out that would finish on a quiet machine, and
a deadlocked cell still times out on time. Only the notebook's total budget is wall time.

nbgrader_config.py puts ``RobustExecute`` in place of ``Execute``; it reads the same ``c.Execute`` settings.
"""
from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import zmq
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_solution
from traitlets import Integer, Type, default

from course.fair_clock import MAX_STRETCH, FairClock
from course.grading import demo_cells, guard, policy_check, sandbox
from course.grading.kernel_client import PromptChannel, PromptKernelClient

__all__ = ["RobustExecute", "scored_outputs"]

ANSWER_SECONDS = 10  # how long a kernel has to answer after the interrupt that ended a timed-out cell (a loaded machine)
MAX_OUTPUT_CHARS = 2_000_000  # per cell: beyond this, what the kernel sends is dropped (a print loop must not flood the grader)
MAX_NOTEBOOK_OUTPUT_CHARS = 10_000_000  # per notebook, all cells and widget state together
MIN_MESSAGE_CHARS = 200  # what each message counts at least: a stored output costs memory however small it is
MAX_MESSAGE_BYTES = 64 * 2**20  # the kernel's sockets refuse a message part larger than this
RECEIVE_QUEUE = 4  # messages the grader's sockets queue before the kernel has to wait (or, for output, drop)
MAX_MESSAGE_CHARS = 10_000  # the longest failure message a test cell shows
HIDDEN_TESTS = re.compile(r"BEGIN HIDDEN TESTS(.*?)END HIDDEN TESTS", re.DOTALL)
SHORTEST_SECRET = 8  # hidden-test lines shorter than this (a lone bracket) are too common to look for


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _stream(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


def _tampered(problems: list[str]) -> NotebookNode:
    return _error("GradingTampered", "this test was not trusted, because code in the notebook changed the grading "
                  "machinery: " + "; ".join(problems[:5]) + (" …" if len(problems) > 5 else ""))


def _names_used(source: str) -> tuple[str, ...]:
    """Names a test cell reads without binding them itself (what student code could have shadowed)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return tuple(sorted(read - bound))


def checks_called(source: str) -> list[str]:
    """The checks a test cell calls, in order: its statements ``module.check(...)`` or ``await module.check(...)``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = [s.value.value if isinstance(s.value, ast.Await) else s.value for s in tree.body if isinstance(s, ast.Expr)]
    return [c.func.attr for c in calls if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)]


def scored_outputs(expected: list[str], checks: list[tuple[str, bool, str, str]], reply: Any) -> list[NotebookNode]:
    """What a test cell shows, from the checks' record and the kernel's execute reply: the first failing check's
    message; else the error that stopped the cell; else an error unless exactly the checks it calls all passed."""
    failed = next((check for check in checks if not check[1]), None)
    if failed is not None:
        return [_error(_ename(failed[2]), failed[3][:MAX_MESSAGE_CHARS])]
    status = reply.get("status") if isinstance(reply, dict) else None
    if status == "error":
        return [_error(_ename(reply.get("ename")), str(reply.get("evalue", ""))[:MAX_MESSAGE_CHARS])]
    ran = [check[0] for check in checks]
    if status != "ok" or ran != expected:
        return [_error("ChecksNotRun", f"this test was not trusted: it calls {', '.join(expected) or 'no check'}, but "
                       f"the kernel recorded {', '.join(ran) or 'none'} ending (and replied {status!r}), so code in "
                       f"the notebook kept its checks from running as written")]
    return []


def _ename(name: Any) -> str:
    return name if isinstance(name, str) and re.fullmatch(r"[A-Za-z_][\w.]{0,99}", name) else "Error"


def hidden_lines(nb: NotebookNode) -> set[str]:
    """The lines of every hidden test in the notebook (as the grader has them, from the gradebook), except those
    the notebook shows anyway outside hidden tests (an import that a visible check cell has too)."""
    hidden, shown = set(), set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            if is_grade(cell):
                hidden |= {line.strip() for block in HIDDEN_TESTS.findall(cell.source)
                           for line in block.splitlines()[1:-1] if len(line.strip()) >= SHORTEST_SECRET}
            shown |= {line.strip() for line in HIDDEN_TESTS.sub("", cell.source).splitlines()}
    return hidden - shown


def remove_hidden_lines(nb: NotebookNode, secrets_: set[str]) -> None:
    """Replace every output, and drop widget state, that shows a line of a hidden test (feedback would show it)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [_stream("[output removed: it showed the source of a hidden test]\n")
                            if _shows(output, secrets_) else output for output in cell.outputs]
    if _shows(nb.metadata.get("widgets"), secrets_):
        del nb.metadata["widgets"]


def _shows(value: Any, secrets_: set[str]) -> bool:
    return any(secret in text for text in _strings(value) for secret in secrets_)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _message_chars(msg: dict[str, Any]) -> int:
    """What a kernel message would add to the notebook: its content and metadata as JSON, its buffers in base64."""
    try:
        size = len(json.dumps([msg.get("content"), msg.get("metadata")], default=str))
    except (ValueError, RecursionError):
        return MAX_NOTEBOOK_OUTPUT_CHARS + 1
    return max(MIN_MESSAGE_CHARS, size + sum(4 * math.ceil(memoryview(b).nbytes / 3) for b in msg.get("buffers") or ()))


class _FairShellChannel(PromptChannel):
    """A shell channel whose timeouts are seconds on a FairClock of the kernel's process tree (``kernel_pid``,
    set once the kernel runs): time the machine's load kept the kernel from running does not count."""

    kernel_pid: int | None = None

    def stopwatch(self) -> Callable[[], float]:
        return super().stopwatch() if self.kernel_pid is None else FairClock(self.kernel_pid).elapsed


class _BoundedClient(PromptKernelClient):
    """A kernel client whose sockets refuse any message part over MAX_MESSAGE_BYTES and queue at most
    RECEIVE_QUEUE messages, so what a kernel sends cannot fill the grader's memory before the caps see it;
    its shell channel's timeouts are fair (``_FairShellChannel``)."""

    shell_channel_class = Type(_FairShellChannel)

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        context.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE)
        return context


class RobustExecute(Execute):
    """Execute cells until the kernel dies, hangs for good or the notebook's time is up; then mark the rest as
    not run. Score test cells from the checks' record; bound what the kernel may send."""

    notebook_timeout = Integer(help="Seconds that grading one notebook may take in all (env COURSE_NOTEBOOK_TIMEOUT); "
                                    "then the running cell is interrupted and the rest is not run").tag(config=True)

    @default("notebook_timeout")
    def _notebook_timeout_default(self) -> int:
        return int(os.environ.get("COURSE_NOTEBOOK_TIMEOUT", "300"))

    @default("shutdown_kernel")
    def _shutdown_kernel_default(self) -> str:
        """Once the last cell has replied, the grader has all it needs: the kernel is killed, not asked to exit.
        A graceful exit would run the student's code again (atexit handlers, pools and threads still running
        that the interpreter waits for) and kept every submission waiting for it, up to 2.6 s in Chapter 3;
        the sandbox then kills whatever the kernel started."""
        return "immediate"

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._stopped: str | None = None
        self._kept: dict[int, int] = {}  # cell index → characters of what the kernel sent that the notebook keeps
        self._sent, self._cut = 0, set()  # all it sent; the cells whose output was cut
        self._deadline = time.monotonic() + self.notebook_timeout
        self._box: sandbox.Sandbox | None = None
        self._demos = set() if demo_cells.run_demos() else demo_cells.skippable(nb)
        sandbox.announce()
        if not sandbox.enabled():
            nb, resources = super().preprocess(nb, resources, km)
        else:
            with sandbox.Sandbox(hide=self._hidden_folders()) as self._box:
                nb, resources = super().preprocess(nb, resources, km)
        remove_hidden_lines(nb, hidden_lines(nb))
        if self._cut:
            self.log.warning("The kernel sent %s characters of output and widget state; the notebook keeps %s",
                             f"{self._sent:,}", f"{sum(self._kept.values()):,}")
        return nb, resources

    def _hidden_folders(self) -> list[Path]:
        """What the kernel must not see: the course folder (hidden tests, gradebook) and the exchange."""
        folders = [Path(self.config.CourseDirectory.get("root", os.getcwd())), sandbox.PACKAGE.parent]
        if "root" in self.config.Exchange:
            folders.append(Path(self.config.Exchange.root))
        return folders

    def create_kernel_manager(self) -> Any:
        km = super().create_kernel_manager()
        km.client_factory = _BoundedClient
        if self._box is not None:
            self._box.prepare(km)
        return km

    async def async_start_new_kernel_client(self) -> Any:
        kc = await super().async_start_new_kernel_client()
        kc.shell_channel.kernel_pid = getattr(self.km.provisioner, "pid", None)
        return kc

    # nbclient binds its synchronous twin to its own coroutine, and nbconvert's preprocess calls the twin: without
    # this line the kernel's pid never reached the shell channel, whose waits then ran on the wall clock.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if cell.cell_type != "code":
            return cell, resources
        if (refused := policy_check.refusal(resources, index)) is not None:  # the grading policy's verdict
            cell.outputs = [refused]
            return cell, resources
        if not self._stopped and time.monotonic() >= self._deadline:
            self._stopped = (f"not run: this notebook used up its grading time ({self.notebook_timeout} s in all; "
                             f"every cell that times out spends part of it) before cell {index}")
        if self._stopped:
            cell.outputs = [_error("CellNotRun", self._stopped)]
            return cell, resources
        if index in self._demos:
            cell.outputs = [_stream(demo_cells.NOT_RUN_NOTE)]
            return cell, resources
        graded = self._box is not None and is_grade(cell)
        test = graded and not is_solution(cell)
        if graded and (problems := self._verdict(cell).problems):
            cell.outputs = [_tampered(problems)]
            return cell, resources
        self._reply, self._cut_short = {}, 0
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = (f"not run: the kernel died while running cell {index} (os._exit, sys.exit in a "
                             f"thread, a crash or running out of memory), so nothing after it could run")
            died = _error("KernelDied", f"the kernel died while running this cell (cell {index})")
            cell.outputs = [died] if test else [*cell.outputs, died]
            return cell, resources
        said = self._after_timeout(index) if self._cut_short else []
        if test:
            said[:0] = [self._timeout_error()] if self._cut_short else []
        if graded and not self._stopped and not (self._cut_short and time.monotonic() >= self._deadline):
            verdict = self._verdict(cell)
            if test and not self._cut_short:
                said = scored_outputs(checks_called(cell.source), verdict.checks, self._reply)
            if verdict.problems:
                said.append(_tampered(verdict.problems))
        cell.outputs = said if test else [*cell.outputs, *said]
        return cell, resources

    def _timeout_error(self) -> NotebookNode:
        if time.monotonic() >= self._deadline:
            return _error("CellTimeoutError", f"this cell was interrupted when the notebook's grading time "
                          f"({self.notebook_timeout} s in all) ran out")
        return _error("CellTimeoutError", f"this cell did not finish within {self._cut_short} s")

    def _after_timeout(self, index: int) -> list[NotebookNode]:
        """What the grader says about a cell it interrupted: where the student's threads were, or that the
        kernel ignored the interrupt (then it is shut down and the rest is not run)."""
        if not self._kernel_answers():
            self._stopped = (f"not run: cell {index} hung and ignored the interrupt, so the kernel was "
                             f"stopped and nothing after it could run")
            run_sync(self.km.shutdown_kernel)(now=True)
            return [_error("KernelHung", "this cell did not stop when interrupted; the kernel was shut down")]
        if self._box is None:
            return []
        stacks = guard.unseal(self._ask_raw("__import__('course.grading.guard').grading.guard.sealed(__import__("
                                            "'course.grading.kernel').grading.kernel.student_thread_stacks())"))
        return [_stream("Where each thread your code started was when the cell timed out:\n"
                        + (stacks if isinstance(stacks, str) else "(the kernel did not say)"))]

    def _verdict(self, cell: NotebookNode) -> guard.Verdict:
        """What the guard in the kernel reports (signed; see course.grading.guard): what changed in the grading
        machinery, and how the checks called since its previous report ended."""
        nonce = secrets.token_hex(8)
        return guard.read_verdict(self._box.key, nonce, self._ask_raw(guard.expression(nonce, _names_used(cell.source))))

    def _ask_raw(self, expression: str) -> Any:
        """Evaluate ``expression`` as a user expression: IPython's input hooks never see it."""
        return run_sync(self._async_ask_raw)(expression)

    async def _async_ask_raw(self, expression: str) -> Any:
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"x": expression})
        with contextlib.suppress(Exception):  # no answer in time: the caller treats None as "no answer"
            async with asyncio.timeout(ANSWER_SECONDS * 2 * MAX_STRETCH):  # a backstop: the waits are fair
                while True:
                    msg = await self.kc.get_shell_msg(timeout=ANSWER_SECONDS * 2)
                    if msg["parent_header"].get("msg_id") == msg_id:
                        return msg["content"].get("user_expressions", {}).get("x")
        return None

    def on_cell_executed(self, **kwargs: Any) -> None:
        """Keep the kernel's execute reply: a test cell's score weighs it against the checks' record."""
        content = kwargs["execute_reply"].get("content")
        self._reply = content if isinstance(content, dict) else {}
        with contextlib.suppress(Exception):  # nbgrader's display of the reply's error; a malformed one shows nothing
            super().on_cell_executed(**kwargs)

    def process_message(self, msg: dict[str, Any], cell: NotebookNode, cell_index: int) -> Any:
        """Keep what the kernel sends (outputs, widget state, display updates) under MAX_OUTPUT_CHARS per cell and
        MAX_NOTEBOOK_OUTPUT_CHARS in all: a print loop or a widget flood must not fill the grader's memory."""
        if msg.get("msg_type") in ("status", "execute_input"):
            return super().process_message(msg, cell, cell_index)
        size = _message_chars(msg)
        self._sent += size
        used, total = self._kept.get(cell_index, 0), sum(self._kept.values())
        if used + size <= MAX_OUTPUT_CHARS and total + size <= MAX_NOTEBOOK_OUTPUT_CHARS:
            self._kept[cell_index] = used + size
            return super().process_message(msg, cell, cell_index)
        if cell_index not in self._cut:
            self._cut.add(cell_index)
            what = (f"this cell sent more than {MAX_OUTPUT_CHARS:,}" if used + size > MAX_OUTPUT_CHARS
                    else f"this notebook sent more than {MAX_NOTEBOOK_OUTPUT_CHARS:,}")
            cell.outputs.append(_stream(f"\n[output cut: {what} characters of output and widget state]\n"))
        return None

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        """The cell timeout, shortened to what is left of the notebook's time."""
        left = max(1, math.ceil(self._deadline - time.monotonic()))
        timeout = super()._get_timeout(cell)
        return left if timeout is None else min(timeout, left)

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> Any:
        self._cut_short = timeout
        return await super()._async_handle_timeout(timeout, cell)

    def _kernel_answers(self) -> bool:
        """Whether the kernel, after the interrupt, replies to a kernel_info request in time."""
        return run_sync(self._async_kernel_answers)()

    async def _async_kernel_answers(self) -> bool:
        try:
            await self.kc.kernel_info(reply=True, timeout=ANSWER_SECONDS)
        except Exception:  # a timeout or a dead channel: either way it will run nothing more
            return False
        return True
