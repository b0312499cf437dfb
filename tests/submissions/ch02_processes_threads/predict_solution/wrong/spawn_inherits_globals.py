# wrong: believes every child process starts with the parent's globals, spawn and forkserver too
def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    shares = kind == "thread"
    return {"list": shares, "global": shares, "environ": shares, "file": True, "inherited": True}
