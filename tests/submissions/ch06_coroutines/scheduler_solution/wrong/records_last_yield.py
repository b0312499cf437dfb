# wrong: records the last value each task yielded instead of the value it returned (StopIteration.value)
import inspect
from collections import deque


class Scheduler:
    def __init__(self):
        self.ready = deque()
        self.count = 0
        self.last = {}

    def spawn(self, gen):
        self.ready.append((self.count, gen, None))
        self.count += 1
        return self.count - 1

    def run(self):
        while self.ready:
            task_id, gen, reply = self.ready.popleft()
            try:
                request = gen.send(reply)
            except StopIteration:
                self.last.setdefault(task_id, None)
                continue
            self.last[task_id] = request
            reply = self.spawn(request) if inspect.isgenerator(request) else None
            self.ready.append((task_id, gen, reply))
        return self.last
