# wrong: rounds the results to two decimals
def cpu_utilisation(segments):
    """Share of the time from tick 0 to the end of the last segment during which the CPU was busy."""
    busy = sum(s.end - s.start for s in segments if s.kind == "cpu")
    return round(busy / max(s.end for s in segments), 2)


def average_turnaround(jobs, segments):
    """Mean over the jobs of (end of the job's last segment) - (its arrival time)."""
    completion = {}
    for s in segments:
        completion[s.job] = max(completion.get(s.job, 0), s.end)
    return round(sum(completion[job.name] - job.arrival for job in jobs) / len(jobs), 2)
