# wrong: the schedule's length is the end of the last segment of the list, not the latest end of any segment
def cpu_utilisation(segments):
    """Share of the time from tick 0 to the end of the last segment during which the CPU was busy."""
    busy = sum(s.end - s.start for s in segments if s.kind == "cpu")
    return busy / segments[-1].end


def average_turnaround(jobs, segments):
    """Mean over the jobs of (end of the job's last segment) - (its arrival time)."""
    completion = {}
    for s in segments:
        completion[s.job] = s.end
    return sum(completion[job.name] - job.arrival for job in jobs) / len(jobs)
