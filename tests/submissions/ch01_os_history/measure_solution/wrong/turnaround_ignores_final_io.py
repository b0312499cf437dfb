# wrong: a job completes at the end of its last CPU segment, ignoring I/O it ends with
def cpu_utilisation(segments):
    """Share of the time from tick 0 to the end of the last segment during which the CPU was busy."""
    busy = sum(s.end - s.start for s in segments if s.kind == "cpu")
    return busy / max(s.end for s in segments)


def average_turnaround(jobs, segments):
    """Mean over the jobs of (end of the job's last segment) - (its arrival time)."""
    completion = {}
    for s in segments:
        if s.kind == "cpu":
            completion[s.job] = max(completion.get(s.job, 0), s.end)
    return sum(completion[job.name] - job.arrival for job in jobs) / len(jobs)
