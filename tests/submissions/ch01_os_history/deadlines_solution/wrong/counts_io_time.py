# wrong: counts every segment of a task, I/O as well as CPU, as time it was served
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        on_time = sum(max(0, min(s.end, task.deadline) - s.start) for s in segments if s.job == task.name)
        if on_time < task.execution:
            missed.append(task.name)
    return sorted(missed)
