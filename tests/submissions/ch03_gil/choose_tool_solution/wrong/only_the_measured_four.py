# wrong: answers for the four measured tasks only, threads for anything else
from course import workloads


def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    return "processes" if task in (workloads.count_primes, workloads.sum_of_range) else "threads"
