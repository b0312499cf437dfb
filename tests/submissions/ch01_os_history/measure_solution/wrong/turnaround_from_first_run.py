# wrong: turnaround measured from the job's first segment instead of its arrival
def cpu_utilisation(segments):
    """Share of the time from tick 0 to the end of the last segment during which the CPU was busy."""
    busy = sum(s.end - s.start for s in segments if s.kind == "cpu")
    return busy / max(s.end for s in segments)


def average_turnaround(jobs, segments):
    """Mean over the jobs of (end of the job's last segment) - (its arrival time)."""
    total = 0
    for job in jobs:
        own = [s for s in segments if s.job == job.name]
        total += max(s.end for s in own) - min(s.start for s in own)
    return total / len(jobs)
