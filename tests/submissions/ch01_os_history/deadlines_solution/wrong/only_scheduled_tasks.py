# wrong: only looks at tasks that appear in the schedule, and at when their last segment ends
def missed_deadlines(tasks, segments):
    """Names of the tasks that had less CPU time than they need by their deadline, in alphabetical order."""
    deadline = {task.name: task.deadline for task in tasks}
    finish = {}
    for s in segments:
        finish[s.job] = max(finish.get(s.job, 0), s.end)
    return sorted(name for name, end in finish.items() if end > deadline[name])
