# wrong: resumes every task with next(), so a task that spawned a child never receives the child's id
import inspect
from collections import deque


class Scheduler:
    def __init__(self):
        self.ready = deque()
        self.count = 0

    def spawn(self, gen):
        self.ready.append((self.count, gen))
        self.count += 1
        return self.count - 1

    def run(self):
        results = {}
        while self.ready:
            task_id, gen = self.ready.popleft()
            try:
                request = next(gen)
            except StopIteration as finished:
                results[task_id] = finished.value
                continue
            if inspect.isgenerator(request):
                self.spawn(request)
            self.ready.append((task_id, gen))
        return results
