# wrong: looks each scheduled job's deadline up with .get(name, 0), so a job that is not a task is reported
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    deadline = {task.name: task.deadline for task in tasks}
    need = {task.name: task.execution for task in tasks}
    served = {name: 0 for name in need}
    for s in segments:
        if s.kind == "cpu":
            by = deadline.get(s.job, 0)
            served[s.job] = served.get(s.job, 0) + max(0, min(s.end, by) - s.start)
    return sorted(name for name, got in served.items() if got < need.get(name, 1))
