# wrong: believes a file written by a child process is as private as its memory
def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    shares = kind == "thread"
    return {"list": shares, "global": shares, "environ": shares, "file": shares, "inherited": kind in ("thread", "fork")}
