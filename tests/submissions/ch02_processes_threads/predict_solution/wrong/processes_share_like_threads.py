# wrong: believes a child process shares the parent's memory, as a thread does
def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    return {"list": True, "global": True, "environ": True, "file": True, "inherited": True}
