# wrong: returns the names in the order of the task list, not in alphabetical order
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        on_time = sum(max(0, min(s.end, task.deadline) - s.start)
                      for s in segments if s.job == task.name and s.kind == "cpu")
        if on_time < task.execution:
            missed.append(task.name)
    return missed
