# right: reasons from two facts, a process works on a copy and only fork copies the parent's current state
def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    same_process = kind == "thread"
    starts_from_parent_state = kind in {"thread", "fork"}
    answer = dict.fromkeys(["list", "global", "environ"], same_process)
    answer.update(file=True, inherited=starts_from_parent_state)
    return answer
