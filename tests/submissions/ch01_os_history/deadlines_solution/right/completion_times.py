# right: compares each task's completion (end of its last CPU segment) with its deadline
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        if task.execution == 0:
            continue
        own = [s for s in segments if s.job == task.name and s.kind == "cpu"]
        received = sum(s.end - s.start for s in own)
        if received < task.execution or max(s.end for s in own) > task.deadline:
            missed.append(task.name)
    return sorted(missed)
