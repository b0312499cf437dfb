# right: a table of what each task does with the GIL, then one rule
from course import workloads

LETS_GO_OF_THE_GIL = {
    workloads.count_primes: False,      # pure Python
    workloads.sleepy_square: True,      # sleeps
    workloads.sha256_of_zeros: True,    # hashlib releases it for large buffers
    workloads.sum_of_range: False,      # one C call that keeps it
    workloads.compress_pattern: True,   # zlib releases it
    workloads.sort_bytes: False,        # sorted() keeps it
}


def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    return "threads" if LETS_GO_OF_THE_GIL[task] else "processes"
