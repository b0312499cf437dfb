# right: a table of answers per kind of writer
ANSWERS = {
    "thread": dict(list=True, global_=True, environ=True, file=True, inherited=True),
    "fork": dict(list=False, global_=False, environ=False, file=True, inherited=True),
    "spawn": dict(list=False, global_=False, environ=False, file=True, inherited=False),
    "forkserver": dict(list=False, global_=False, environ=False, file=True, inherited=False),
}


def predict(kind):
    """Which writes cross between a parent and a writer of ``kind``: a dict of five booleans."""
    answer = dict(ANSWERS[kind])
    answer["global"] = answer.pop("global_")
    return answer
