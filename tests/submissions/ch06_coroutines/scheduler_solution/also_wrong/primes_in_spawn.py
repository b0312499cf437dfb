# wrong: primes each task inside spawn() (runs its first step at once) and keeps what it yielded for its first turn
import inspect
from collections import deque


class Scheduler:
    def __init__(self):
        self.ready = deque()
        self.count = 0
        self.results = {}

    def spawn(self, gen):
        task_id = self.count
        self.count += 1
        try:
            request = next(gen)
        except StopIteration as finished:
            self.results[task_id] = finished.value
            return task_id
        self.ready.append((task_id, gen, request))
        return task_id

    def run(self):
        while self.ready:
            task_id, gen, request = self.ready.popleft()
            reply = self.spawn(request) if inspect.isgenerator(request) else None
            try:
                request = gen.send(reply)
            except StopIteration as finished:
                self.results[task_id] = finished.value
                continue
            self.ready.append((task_id, gen, request))
        return self.results
