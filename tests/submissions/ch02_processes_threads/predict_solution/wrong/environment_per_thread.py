# wrong: believes each thread has an environment of its own
def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    shares = kind == "thread"
    return {"list": shares, "global": shares, "environ": False, "file": True, "inherited": kind in ("thread", "fork")}
