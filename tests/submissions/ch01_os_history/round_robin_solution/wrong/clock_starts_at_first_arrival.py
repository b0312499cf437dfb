# wrong: starts the clock at the first arrival with min(), which fails on an empty list of jobs
def round_robin(jobs, quantum):
    """Completion time of each CPU-only job under round-robin with this quantum, as {name: time}."""
    from collections import deque

    order = deque(sorted(jobs, key=lambda job: (job.arrival, job.name)))
    left = {job.name: job.bursts[0] for job in jobs}
    now = min(job.arrival for job in jobs)
    ready, done = deque(), {}

    def admit():
        while order and order[0].arrival <= now:
            job = order.popleft()
            if left[job.name] == 0:
                done[job.name] = job.arrival
            else:
                ready.append(job)

    admit()
    while order or ready:
        if not ready:
            now = order[0].arrival
            admit()
            continue
        job = ready.popleft()
        run = min(quantum, left[job.name])
        now += run
        left[job.name] -= run
        admit()
        if left[job.name]:
            ready.append(job)
        else:
            done[job.name] = now
    return done
