# right: decides by the function's name
def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    if task.__name__ in ("count_primes", "sum_of_range", "sort_bytes"):
        return "processes"
    return "threads"
