# wrong: a job left alone keeps counting the quantum it already used, so it is preempted too early next time
def round_robin(jobs, quantum):
    """Completion time of each CPU-only job under round-robin with this quantum, as {name: time}."""
    from collections import deque

    pending = sorted(jobs, key=lambda job: (job.arrival, job.name))
    left = {job.name: job.bursts[0] for job in jobs}
    done = {job.name: job.arrival for job in jobs if job.bursts[0] == 0}
    ready = deque()
    running, used, now = None, 0, 0
    while len(done) < len(jobs):
        ready.extend(job for job in pending if job.arrival == now and left[job.name] > 0)
        if running is not None and left[running.name] == 0:
            done[running.name] = now
            running = None
        elif running is not None and used >= quantum and ready:
            ready.append(running)
            running = None
        if running is None and ready:
            running, used = ready.popleft(), 0
        if running is not None:
            left[running.name] -= 1
            used += 1
        now += 1
    return done
