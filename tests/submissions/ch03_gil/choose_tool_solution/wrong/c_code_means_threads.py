# wrong: threads for any C code, even C code that keeps the GIL
from course import workloads


def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    return "processes" if task is workloads.count_primes else "threads"
