# wrong: a task's completion is taken as the end of its first segment, even when it was preempted
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        own = [s for s in segments if s.job == task.name and s.kind == "cpu"]
        if not own:
            if task.execution > 0:
                missed.append(task.name)
        elif own[0].end > task.deadline:
            missed.append(task.name)
    return sorted(missed)
