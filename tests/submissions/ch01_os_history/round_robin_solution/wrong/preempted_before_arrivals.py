# wrong: the preempted job re-enters the queue before jobs arriving at that same instant
def round_robin(jobs, quantum):
    """Completion time of each CPU-only job under round-robin with this quantum, as {name: time}."""
    from collections import deque

    arrivals = deque(sorted(jobs, key=lambda job: (job.arrival, job.name)))
    left = {job.name: job.bursts[0] for job in jobs}
    ready, done, now = deque(), {}, 0

    def admit_arrivals(until):
        while arrivals and arrivals[0].arrival <= until:
            job = arrivals.popleft()
            if left[job.name] == 0:
                done[job.name] = job.arrival
            else:
                ready.append(job)

    while arrivals or ready:
        if not ready:
            now = max(now, arrivals[0].arrival)
            admit_arrivals(now)
            continue
        job = ready.popleft()
        run = min(quantum, left[job.name])
        now += run
        left[job.name] -= run
        admit_arrivals(now - 1)  # jobs that arrived strictly during the quantum
        if left[job.name]:
            ready.append(job)
        else:
            done[job.name] = now
        admit_arrivals(now)
    return done
