# wrong: treats anything that has a send method (a coroutine too) as a new task, not only generators
from collections import deque


class Scheduler:
    def __init__(self):
        self.ready = deque()
        self.count = 0

    def spawn(self, gen):
        self.ready.append((self.count, gen, None))
        self.count += 1
        return self.count - 1

    def run(self):
        results = {}
        while self.ready:
            task_id, gen, reply = self.ready.popleft()
            try:
                request = gen.send(reply)
            except StopIteration as finished:
                results[task_id] = finished.value
                continue
            reply = self.spawn(request) if hasattr(request, "send") else None
            self.ready.append((task_id, gen, reply))
        return results
