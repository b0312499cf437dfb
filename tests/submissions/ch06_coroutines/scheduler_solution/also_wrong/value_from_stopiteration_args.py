# wrong: takes the return value from StopIteration.args[0], which does not exist when a task returns None
import inspect
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
                results[task_id] = finished.args[0]
                continue
            reply = self.spawn(request) if inspect.isgenerator(request) else None
            self.ready.append((task_id, gen, reply))
        return results
