# wrong: a task that needs no CPU time and never appears in the schedule is reported as missed
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        ends = [s.end for s in segments if s.job == task.name and s.kind == "cpu"]
        received = sum(s.end - s.start for s in segments if s.job == task.name and s.kind == "cpu")
        if not ends or received < task.execution or max(ends) > task.deadline:
            missed.append(task.name)
    return sorted(missed)
