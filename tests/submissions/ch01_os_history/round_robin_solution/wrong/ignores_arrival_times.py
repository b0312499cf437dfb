# wrong: ignores arrival times: every job waits in the queue from tick 0
def round_robin(jobs, quantum):
    """Completion time of each CPU-only job under round-robin with this quantum, as {name: time}."""
    from collections import deque

    ready = deque(job for job in sorted(jobs, key=lambda job: (job.arrival, job.name)))
    left = {job.name: job.bursts[0] for job in jobs}
    done, now = {}, 0
    while ready:
        job = ready.popleft()
        run = min(quantum, left[job.name])
        now += run
        left[job.name] -= run
        if left[job.name]:
            ready.append(job)
        else:
            done[job.name] = now
    return done
