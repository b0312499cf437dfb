# right: one pass over the segments collects CPU time, the last end and each job's completion
def cpu_utilisation(segments):
    """Share of the time from tick 0 to the end of the last segment during which the CPU was busy."""
    busy, end = 0, 0
    for segment in segments:
        if segment.kind == "cpu":
            busy += segment.end - segment.start
        end = max(end, segment.end)
    return busy / end


def average_turnaround(jobs, segments):
    """Mean over the jobs of (end of the job's last segment) - (its arrival time)."""
    total = 0
    for job in jobs:
        completion = max(s.end for s in segments if s.job == job.name)
        total += completion - job.arrival
    return total / len(jobs)
