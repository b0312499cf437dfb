# wrong: a job completes at the end of its segment that comes last in the list (assumes time order)
def cpu_utilisation(segments):
    """Share of the time from tick 0 to the end of the last segment during which the CPU was busy."""
    busy = sum(s.end - s.start for s in segments if s.kind == "cpu")
    return busy / max(s.end for s in segments)


def average_turnaround(jobs, segments):
    """Mean over the jobs of (end of the job's last segment) - (its arrival time)."""
    completion = {}
    for s in segments:
        completion[s.job] = s.end
    return sum(completion[job.name] - job.arrival for job in jobs) / len(jobs)
