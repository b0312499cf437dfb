# wrong: believes fork shares memory with the parent (it copies it)
def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    shares = kind in ("thread", "fork")
    return {"list": shares, "global": shares, "environ": shares, "file": True, "inherited": shares}
