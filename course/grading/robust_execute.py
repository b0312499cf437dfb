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

nbgrader_config.py puts ``RobustExecute`` in place of ``Execute``; it reads the same ``c.Execute`` settings.
"""
from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

from course.grading import demo_cells, guard, policy_check, sandbox

__all__ = ["RobustExecute"]

ANSWER_SECONDS = 5  # how long a kernel has to answer after the interrupt that ended a timed-out cell
MAX_OUTPUT_CHARS = 2_000_000  # per cell: beyond this, output is dropped (a print loop must not flood the grader)


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


class RobustExecute(Execute):
    """Execute cells until the kernel dies or hangs for good; then mark the rest as not run."""

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._stopped: str | None = None
        self._output_chars: dict[int, int] = {}
        self._box: sandbox.Sandbox | None = None
        self._demos = set() if demo_cells.run_demos() else demo_cells.skippable(nb)
        sandbox.announce()
        if not sandbox.enabled():
            return super().preprocess(nb, resources, km)
        with sandbox.Sandbox(hide=self._hidden_folders()) as self._box:
            return super().preprocess(nb, resources, km)

    def _hidden_folders(self) -> list[Path]:
        """What the kernel must not see: the course folder (hidden tests, gradebook) and the exchange."""
        folders = [Path(self.config.CourseDirectory.get("root", os.getcwd())), sandbox.PACKAGE.parent]
        if "root" in self.config.Exchange:
            folders.append(Path(self.config.Exchange.root))
        return folders

    def create_kernel_manager(self) -> Any:
        km = super().create_kernel_manager()
        if self._box is not None:
            self._box.prepare(km)
        return km

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if cell.cell_type != "code":
            return cell, resources
        if (refused := policy_check.refusal(resources, index)) is not None:  # the grading policy's verdict
            cell.outputs = [refused]
            return cell, resources
        if self._stopped:
            cell.outputs = [_error("CellNotRun", self._stopped)]
            return cell, resources
        if index in self._demos:
            cell.outputs = [_stream(demo_cells.NOT_RUN_NOTE)]
            return cell, resources
        graded = self._box is not None and cell.metadata.get("nbgrader", {}).get("grade", False)
        if graded and (problems := self._tampering(cell)):
            cell.outputs = [_tampered(problems)]
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = (f"not run: the kernel died while running cell {index} (os._exit, sys.exit in a "
                             f"thread, a crash or running out of memory), so nothing after it could run")
            cell.outputs.append(_error("KernelDied", f"the kernel died while running this cell (cell {index})"))
            return cell, resources
        if self._timed_out(cell):
            if not self._kernel_answers():
                self._stopped = (f"not run: cell {index} hung and ignored the interrupt, so the kernel was "
                                 f"stopped and nothing after it could run")
                cell.outputs.append(_error("KernelHung", "this cell did not stop when interrupted; the kernel was shut down"))
                run_sync(self.km.shutdown_kernel)(now=True)
                return cell, resources
            if self._box is not None:
                cell.outputs.append(_stream("Where each thread your code started was when the cell timed out:\n"
                                            + self._ask("__import__('course.grading.kernel').grading.kernel.student_thread_stacks()")))
        if graded and (problems := self._tampering(cell)):
            cell.outputs.append(_tampered(problems))
        return cell, resources

    def _tampering(self, cell: NotebookNode) -> list[str]:
        """What the guard in the kernel reports changed in the grading machinery (signed; see course.grading.guard)."""
        nonce = secrets.token_hex(8)
        reply = self._ask_raw(guard.expression(nonce, _names_used(cell.source)))
        return guard.read_verdict(self._box.key, nonce, reply)

    def _ask(self, expression: str) -> str:
        """The text of ``expression`` evaluated in the kernel, or why there is none."""
        reply = self._ask_raw(expression)
        try:
            return ast.literal_eval(reply["data"]["text/plain"])
        except Exception:
            return "(the kernel did not say)"

    def _ask_raw(self, expression: str) -> dict[str, Any] | None:
        """Evaluate ``expression`` as a user expression: IPython's input hooks never see it."""
        return run_sync(self._async_ask_raw)(expression)

    async def _async_ask_raw(self, expression: str) -> dict[str, Any] | None:
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"x": expression})
        with contextlib.suppress(Exception):  # no answer in time: the caller treats None as "no answer"
            async with asyncio.timeout(ANSWER_SECONDS * 2):
                while True:
                    msg = await self.kc.get_shell_msg(timeout=ANSWER_SECONDS * 2)
                    if msg["parent_header"].get("msg_id") == msg_id:
                        return msg["content"].get("user_expressions", {}).get("x")
        return None

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
        """Keep a cell's output under MAX_OUTPUT_CHARS: a print loop must not flood the grader's memory."""
        size = len(str(msg.get("content", {}).get("text", ""))) + len(str(msg.get("content", {}).get("data", "")))
        used = self._output_chars.get(cell_index, 0)
        self._output_chars[cell_index] = used + size
        if used + size <= MAX_OUTPUT_CHARS:
            return super().output(outs, msg, display_id, cell_index)
        if used <= MAX_OUTPUT_CHARS:
            outs.append(_stream(f"\n[output cut: this cell printed more than {MAX_OUTPUT_CHARS:,} characters]\n"))
        return None

    def _timed_out(self, cell: NotebookNode) -> bool:
        ename = self.error_on_timeout.get("ename") if self.error_on_timeout else None
        return any(o.get("output_type") == "error" and o.get("ename") == ename for o in cell.outputs)

    def _kernel_answers(self) -> bool:
        """Whether the kernel, after the interrupt, replies to a kernel_info request in time."""
        return run_sync(self._async_kernel_answers)()

    async def _async_kernel_answers(self) -> bool:
        try:
            await self.kc.kernel_info(reply=True, timeout=ANSWER_SECONDS)
        except Exception:  # a timeout or a dead channel: either way it will run nothing more
            return False
        return True
