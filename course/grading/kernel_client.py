"""A kernel client that sees each message soon after it arrives, even when pyzmq misses the wake-up.

jupyter_client waits for a kernel's message with ``await socket.poll(timeout)``, which pyzmq wakes through the
socket's file descriptor, and that descriptor signals edges, not levels: an operation on the same socket can
consume the edge of a message that has just arrived (pyzmq issues #1203, #2173). nbclient does exactly that
when a cell shows an ipywidgets ``Output`` (``interactive`` uses one): its stand-in for the widget sends the
widget's new state to the kernel on the shell channel while it waits for the cell's reply there. When the
reply arrives during such a send, the wait sleeps on until its timeout and only then finds the reply (nbclient
issue #312). Measured on a loaded 2-core machine: 7 of 73 runs of Chapter 1 spent 47–57 s of the 60 s cell
timeout on its widget cell, which on its own ends in under 2 s.

So no wait here trusts the wake-up alone: it looks at the socket at least every ``POLL_SECONDS`` (a poll
without wake-up reads the socket's real state), and a missed wake-up costs at most that long.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from nbclient import NotebookClient
from traitlets import Type

from course.bounded import POLL_SECONDS

__all__ = ["NotebookRunner", "PromptChannel", "PromptKernelClient"]


class PromptChannel(AsyncZMQSocketChannel):
    """A channel whose waits look at the socket every ``POLL_SECONDS``, however long they are."""

    def stopwatch(self) -> Callable[[], float]:
        """A function giving the seconds since this call, on the clock that the timeouts of waits count on."""
        started = time.monotonic()
        return lambda: time.monotonic() - started

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        """The next message; ``Empty`` once ``timeout`` seconds have passed on ``stopwatch``'s clock. The clock is
        read only once a look has found nothing: a fair one reads the process table, and most replies come first."""
        elapsed, spent = self.stopwatch(), 0.0
        while True:
            try:
                return await super().get_msg(POLL_SECONDS if timeout is None else max(0.0, min(timeout - spent, POLL_SECONDS)))
            except Empty:
                if timeout is not None and (spent := elapsed()) >= timeout:
                    raise


class PromptKernelClient(AsyncKernelClient):
    """An asynchronous kernel client all of whose channels are ``PromptChannel``\\ s."""

    shell_channel_class = Type(PromptChannel)
    iopub_channel_class = Type(PromptChannel)
    stdin_channel_class = Type(PromptChannel)
    control_channel_class = Type(PromptChannel)


class NotebookRunner(NotebookClient):
    """nbclient's ``NotebookClient`` talking to its kernel through a ``PromptKernelClient``."""

    def create_kernel_manager(self) -> Any:
        km = super().create_kernel_manager()
        km.client_factory = PromptKernelClient
        return km
