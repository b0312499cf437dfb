# wrong: tests the running job's name for truth, so a job named "" is taken for an idle CPU and never runs
def round_robin(jobs, quantum):
    """Completion time of each CPU-only job under round-robin with this quantum, as {name: time}."""
    pending = sorted(jobs, key=lambda job: (job.arrival, job.name))
    last_arrival = max((job.arrival for job in jobs), default=0)
    left = {job.name: job.bursts[0] for job in jobs}
    done = {job.name: job.arrival for job in jobs if job.bursts[0] == 0}
    queue, running, used, now = [], None, 0, 0
    while now <= last_arrival or queue or running:
        queue += [job.name for job in pending if job.arrival == now and left[job.name] > 0]
        if running and left[running] == 0:
            done[running] = now
            running = None
        elif running and used == quantum:
            queue.append(running)
            running = None
        if not running and queue:
            running, used = queue.pop(0), 0
        if running:
            left[running] -= 1
            used += 1
        now += 1
    return done
