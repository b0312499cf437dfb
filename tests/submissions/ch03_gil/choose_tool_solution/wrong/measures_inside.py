# wrong: measures inside choose_tool, with the chapter's ticker, so its answer depends on how busy the grading machine is
from course import gil, workloads

SMALL_INPUT = {
    workloads.count_primes: 20_000,
    workloads.sleepy_square: 3,
    workloads.sha256_of_zeros: 16,
    workloads.sum_of_range: 10**7,
    workloads.compress_pattern: 4,
    workloads.sort_bytes: 2,
}


def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    gaps = gil.tick_gaps(task, SMALL_INPUT[task])
    return "threads" if max(gaps) < 0.003 else "processes"
