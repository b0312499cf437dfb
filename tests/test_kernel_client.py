"""A wait for a kernel's message ends soon after the message arrives, even when pyzmq's wake-up is lost."""
from __future__ import annotations

import asyncio
import time

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from course.grading.kernel_client import PromptChannel
from course.grading.robust_execute import RobustExecute

TIMEOUT = 4.0


def _seconds_to_receive(channel_class: type[AsyncZMQSocketChannel]) -> float:
    """Seconds from a reply's arrival to the end of a channel's wait for it, when the edge that should have woken
    the wait is consumed first, as a send on the same socket does (course.grading.kernel_client)."""

    async def wait_through_a_lost_wakeup() -> float:
        context, kernel_side = zmq.asyncio.Context(), zmq.Context()
        client, kernel = context.socket(zmq.DEALER), kernel_side.socket(zmq.ROUTER)
        try:
            port = kernel.bind_to_random_port("tcp://127.0.0.1")
            client.connect(f"tcp://127.0.0.1:{port}")
            await client.send(b"hello")
            identity, _ = kernel.recv_multipart()
            session = Session()
            wait = asyncio.ensure_future(channel_class(client, session).get_msg(timeout=TIMEOUT))
            await asyncio.sleep(0.1)  # the wait has begun
            session.send(kernel, "execute_reply", {"status": "ok"}, ident=identity)
            while not zmq.Socket.shadow(client.underlying).get(zmq.EVENTS) & zmq.POLLIN:  # reads the edge away
                time.sleep(0.01)  # without yielding to the event loop, which therefore never sees the edge
            arrived = time.monotonic()
            reply = await wait
            assert reply["msg_type"] == "execute_reply"
            return time.monotonic() - arrived
        finally:
            client.close(linger=0)
            kernel.close(linger=0)
            context.term()
            kernel_side.term()

    return asyncio.run(wait_through_a_lost_wakeup())


def test_a_lost_wakeup_costs_jupyter_clients_wait_its_whole_timeout() -> None:
    """The scenario is real: the stock channel sleeps until its timeout with the reply already there."""
    assert _seconds_to_receive(AsyncZMQSocketChannel) > TIMEOUT * 0.9


def test_a_prompt_channel_sees_the_reply_anyway() -> None:
    assert _seconds_to_receive(PromptChannel) < TIMEOUT / 4


def test_the_graders_shell_waits_count_on_the_kernels_fair_clock() -> None:
    """Grading's kernel client knows its kernel's pid, as nbconvert starts it, so that a cell's timeout counts only
    time in which the kernel could run (course.grading.robust_execute)."""
    executor = RobustExecute(kernel_name="python3")
    executor._box = None  # no sandbox: preprocess() would make one; the client is the same either way
    executor.nb = nbformat.v4.new_notebook()
    with executor.setup_kernel():
        channel = executor.kc.shell_channel
        assert isinstance(channel, PromptChannel)
        assert channel.kernel_pid == executor.km.provisioner.pid
