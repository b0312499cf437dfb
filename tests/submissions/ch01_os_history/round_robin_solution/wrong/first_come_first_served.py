# wrong: no preemption: each job runs to completion (first come, first served)
def round_robin(jobs, quantum):
    """Completion time of each CPU-only job under round-robin with this quantum, as {name: time}."""
    done, now = {}, 0
    for job in sorted(jobs, key=lambda job: (job.arrival, job.name)):
        if job.bursts[0] == 0:
            done[job.name] = job.arrival
            continue
        now = max(now, job.arrival) + job.bursts[0]
        done[job.name] = now
    return done
