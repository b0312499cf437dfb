# wrong: a task completes at the end of its segment that comes last in the list (assumes time order)
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        if task.execution == 0:
            continue
        own = [s for s in segments if s.job == task.name and s.kind == "cpu"]
        received = sum(s.end - s.start for s in own)
        if received < task.execution or own[-1].end > task.deadline:
            missed.append(task.name)
    return sorted(missed)
