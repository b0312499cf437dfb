# wrong: checks only that each task got all its CPU time, not whether it got it before the deadline
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        received = sum(s.end - s.start for s in segments if s.job == task.name and s.kind == "cpu")
        if received < task.execution:
            missed.append(task.name)
    return sorted(missed)
