# wrong: processes for any computation, even in C code that lets go of the GIL
from course import workloads


def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    return "threads" if task is workloads.sleepy_square else "processes"
