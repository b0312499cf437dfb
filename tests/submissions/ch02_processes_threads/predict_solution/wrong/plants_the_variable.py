# wrong: sets COURSE_WRITER_WAS_HERE in the parent itself, so the parent "sees" the writer's variable whatever the writer is
import os


def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    os.environ["COURSE_WRITER_WAS_HERE"] = "set by predict"
    shares_memory = kind == "thread"
    return {"list": shares_memory, "global": shares_memory, "environ": True, "file": True,
            "inherited": kind in ("thread", "fork")}
