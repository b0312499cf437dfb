# wrong: reads the deadline as relative to the release time (release + deadline)
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    missed = []
    for task in tasks:
        deadline = task.release + task.deadline
        on_time = sum(max(0, min(s.end, deadline) - s.start)
                      for s in segments if s.job == task.name and s.kind == "cpu")
        if on_time < task.execution:
            missed.append(task.name)
    return sorted(missed)
