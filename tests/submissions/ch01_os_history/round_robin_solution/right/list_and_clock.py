# right: a plain list as the queue and an index into the jobs sorted by arrival
def round_robin(jobs, quantum):
    """Completion time of each CPU-only job under round-robin with this quantum, as {name: time}."""
    order = sorted(jobs, key=lambda job: (job.arrival, job.name))
    remaining = {job.name: job.bursts[0] for job in order}
    completion = {}
    queue = []
    clock = 0
    next_arrival = 0

    def arrive(until):
        nonlocal next_arrival
        while next_arrival < len(order) and order[next_arrival].arrival <= until:
            job = order[next_arrival]
            next_arrival += 1
            if remaining[job.name] == 0:
                completion[job.name] = job.arrival
            else:
                queue.append(job.name)

    while len(completion) < len(order):
        if not queue:  # idle until the next arrival
            clock = max(clock, order[next_arrival].arrival)
            arrive(clock)
            continue
        name = queue.pop(0)
        slice_ = min(quantum, remaining[name])
        clock += slice_
        remaining[name] -= slice_
        arrive(clock)
        if remaining[name] > 0:
            queue.append(name)
        else:
            completion[name] = clock
    return completion
