# wrong: a job with a zero-length burst completes when the scheduler next looks at the queue, not at its arrival
def round_robin(jobs, quantum):
    """Completion time of each CPU-only job under round-robin with this quantum, as {name: time}."""
    from collections import deque

    arrivals = deque(sorted(jobs, key=lambda job: (job.arrival, job.name)))
    left = {job.name: job.bursts[0] for job in jobs}
    ready, done, now = deque(), {}, 0

    def admit_arrivals():
        while arrivals and arrivals[0].arrival <= now:
            job = arrivals.popleft()
            if left[job.name] == 0:
                done[job.name] = now
            else:
                ready.append(job)

    while arrivals or ready:
        if not ready:
            now = max(now, arrivals[0].arrival)
            admit_arrivals()
            continue
        job = ready.popleft()
        run = min(quantum, left[job.name])
        now += run
        left[job.name] -= run
        admit_arrivals()
        if left[job.name]:
            ready.append(job)
        else:
            done[job.name] = now
    return done
