# right: counts, tick by tick, the CPU time each task gets before its deadline
from collections import Counter


def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    deadline = {task.name: task.deadline for task in tasks}
    in_time = Counter()
    for s in segments:
        if s.kind == "cpu" and s.job in deadline:
            in_time[s.job] += len([t for t in range(s.start, s.end) if t < deadline[s.job]])
    return sorted(task.name for task in tasks if in_time[task.name] < task.execution)
