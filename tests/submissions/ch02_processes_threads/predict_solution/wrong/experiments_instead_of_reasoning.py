# wrong: tries instead of reasoning, running the chapter's own demo writers to find the answers
import tempfile
from pathlib import Path

from course import workloads


def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    box = []
    reply = workloads.channel(kind)
    workloads.MARK = "set by the parent"
    writer = workloads.worker(kind, workloads.report_mark, reply)
    writer.start()
    inherited = reply.get(timeout=30) == "set by the parent"
    writer.join()
    writer = workloads.worker(kind, workloads.append_and_report, box, reply)
    writer.start()
    reply.get(timeout=30)
    writer.join()
    workloads.MARK = "set when course.workloads was imported"
    with tempfile.TemporaryDirectory() as folder:
        file_seen = Path(folder).exists()
    return {"list": bool(box), "global": bool(box), "environ": bool(box), "file": file_seen, "inherited": inherited}
