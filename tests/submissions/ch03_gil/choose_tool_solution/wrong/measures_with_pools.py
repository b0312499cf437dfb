# wrong: races a thread pool against a process pool inside choose_tool, a verdict left to the grading machine's load
from course import gil, workloads

SMALL_INPUT = {
    workloads.count_primes: 3000,
    workloads.sleepy_square: 1,
    workloads.sha256_of_zeros: 2,
    workloads.sum_of_range: 10**6,
    workloads.compress_pattern: 1,
    workloads.sort_bytes: 1,
}


def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    items = [SMALL_INPUT[task]] * 4
    [threads] = gil.speedups(task, items, "threads", [2], repeat=1)
    [processes] = gil.speedups(task, items, "processes", [2], repeat=1)
    return "threads" if threads >= 0.8 * processes else "processes"
