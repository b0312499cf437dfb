# wrong: the schedule ends with the last CPU segment, ignoring I/O that ends later
def cpu_utilisation(segments):
    """Share of the time from tick 0 to the end of the last segment during which the CPU was busy."""
    cpu = [s for s in segments if s.kind == "cpu"]
    return sum(s.end - s.start for s in cpu) / max(s.end for s in cpu)


def average_turnaround(jobs, segments):
    """Mean over the jobs of (end of the job's last segment) - (its arrival time)."""
    completion = {}
    for s in segments:
        completion[s.job] = max(completion.get(s.job, 0), s.end)
    return sum(completion[job.name] - job.arrival for job in jobs) / len(jobs)
