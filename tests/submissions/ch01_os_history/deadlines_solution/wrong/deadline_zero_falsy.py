# wrong: a deadline of 0 is read as "no deadline", so a task due at tick 0 can never miss
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        deadline = task.deadline or float("inf")
        on_time = sum(max(0, min(s.end, deadline) - s.start)
                      for s in segments if s.job == task.name and s.kind == "cpu")
        if on_time < task.execution:
            missed.append(task.name)
    return sorted(missed)
