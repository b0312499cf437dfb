"""nbgrader's Execute step, made to survive a kernel that dies or stops answering.

Stock nbgrader 0.9.6 discards a whole submission when its kernel dies (``os._exit``, a crash) and, when a
cell hangs and ignores the interrupt, sends every later cell to the same hung kernel, each waiting out the
full timeout. Here the first such cell gets an error output that says what happened, every later code
cell gets an error output saying it was not run and why, the kernel is shut down, and grading goes on:
the checks that ran keep their points, the rest get 0 with a reason the student can read.

nbgrader_config.py puts ``RobustExecute`` in place of ``Execute``; it reads the same ``c.Execute`` settings.
"""
from __future__ import annotations

from typing import Any

from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

__all__ = ["RobustExecute"]

ANSWER_SECONDS = 5  # how long a kernel has to answer after the interrupt that ended a timed-out cell


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class RobustExecute(Execute):
    """Execute cells until the kernel dies or hangs for good; then mark the rest as not run."""

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._stopped: str | None = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if cell.cell_type != "code":
            return cell, resources
        if self._stopped:
            cell.outputs = [_error("CellNotRun", self._stopped)]
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = (f"not run: the kernel died while running cell {index} (os._exit, sys.exit in a "
                             f"thread, a crash or running out of memory), so nothing after it could run")
            cell.outputs.append(_error("KernelDied", f"the kernel died while running this cell (cell {index})"))
            return cell, resources
        if self._timed_out(cell) and not self._kernel_answers():
            self._stopped = (f"not run: cell {index} hung and ignored the interrupt, so the kernel was stopped "
                             f"and nothing after it could run")
            cell.outputs.append(_error("KernelHung", "this cell did not stop when interrupted; the kernel was shut down"))
            run_sync(self.km.shutdown_kernel)(now=True)
        return cell, resources

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
