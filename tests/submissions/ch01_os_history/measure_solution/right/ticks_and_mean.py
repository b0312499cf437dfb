# right: counts busy CPU ticks in a set, and uses statistics.mean over a dict of completions
from statistics import mean


def cpu_utilisation(segments):
    """Share of the time from tick 0 to the end of the last segment during which the CPU was busy."""
    busy_ticks = {t for s in segments if s.kind == "cpu" for t in range(s.start, s.end)}
    return len(busy_ticks) / max(s.end for s in segments)


def average_turnaround(jobs, segments):
    """Mean over the jobs of (end of the job's last segment) - (its arrival time)."""
    completion = {}
    for s in sorted(segments, key=lambda s: s.end):
        completion[s.job] = s.end
    return mean(completion[job.name] - job.arrival for job in jobs)
