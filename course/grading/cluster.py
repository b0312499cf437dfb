"""Run grading jobs on a Dask cluster: the workers of several machines, or a local cluster of N processes.

Why Dask distributed rather than Celery with Redis: its ``Client`` is a ``concurrent.futures.Executor`` (``submit``
returns a future; ``as_completed`` yields them as they finish), the interface the course itself teaches; the
scheduler and the workers are plain processes (``dask scheduler``, ``dask worker ADDRESS``) with no broker or result
store to run beside them; and it reruns a task whose worker died (up to ``distributed.scheduler.allowed-failures``
times) without the task having to be written for it.

``jobs(address, workers)`` gives a client: of the cluster at ``address``, or of a ``LocalCluster`` of ``workers``
processes, so that grading on one machine and on many is one code path. ``run`` sends one job per item and yields
each as it finishes, once, with when it was queued (here), started and finished (on its worker).

Local workers are forked from this process, not spawned: a spawned worker imports nbgrader again, which took
14-17 s per worker on this course's loaded 2-core machine, against 0.3 s for a forked one (this process has
already loaded it to check the gradebook).
"""
from __future__ import annotations

import contextlib
import logging
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Job", "jobs", "run", "worker_hosts"]


@dataclass
class Job:
    """One item's run on the cluster; the times are ``time.time()``, ``started`` and ``finished`` its worker's."""

    item: Any
    queued: float
    started: float = 0.0
    finished: float = 0.0
    worker: str = ""
    value: Any = None
    error: str = ""  # why the job has no value: its exception, or its workers' deaths


@contextlib.contextmanager
def jobs(address: str | None, workers: int) -> Iterator[Any]:
    """A ``distributed.Client`` of the scheduler at ``address``, or of a new local cluster of ``workers``
    single-threaded processes (closed, with its workers, on exit). A local worker has no memory limit: the
    kernels' limits are the sandbox's, and a worker Dask restarted for memory would cost a submission a rerun.
    Its scheduler's HTTP server (which Dask starts even without a dashboard) takes a free loopback port: the
    default, 8787, is taken when two gradings run at once, and Dask then warns."""
    import dask
    from distributed import Client, LocalCluster

    if address:
        with Client(address, timeout="30s") as client:
            yield client
        return
    with dask.config.set({"distributed.worker.multiprocessing-method": "fork"}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                         memory_limit=0, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def _timed(function: Callable[[Any], Any], item: Any) -> tuple[str, float, float, Any]:
    """Run on a worker: ``function(item)``, which worker ran it, and when it started and finished there."""
    from distributed import get_worker

    started = time.time()
    value = function(item)
    return get_worker().address, started, time.time(), value


def run(client: Any, function: Callable[[Any], Any], items: Iterable[Any], name: Callable[[Any], str]) -> Iterator[Job]:
    """Submit ``function(item)`` for every item, one task each (its key ``name(item)`` and this run's token, so
    that two runs never share a task), and yield each ``Job`` once as it finishes, in the order they finish. A
    task that raised, or whose workers kept dying, comes back with ``error`` set; the others are not held up."""
    from distributed import as_completed

    token, pending = uuid.uuid4().hex[:8], {}
    for item in items:
        pending[client.submit(_timed, function, item, key=f"{name(item)}-{token}")] = Job(item, time.time())
    for future in as_completed(pending):
        job = pending.pop(future)
        try:
            job.worker, job.started, job.finished, job.value = future.result()
        except Exception as error:  # noqa: BLE001  (the report says why this item was not done)
            job.error = "".join(traceback.format_exception_only(error)).strip()
        yield job


def worker_hosts(client: Any) -> dict[str, str]:
    """Each connected worker's host name, by worker address."""
    return client.run(socket.gethostname)
