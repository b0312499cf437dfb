# right: a small Task class per generator; the reply waits on the task object
from collections import deque
from types import GeneratorType


class Task:
    def __init__(self, task_id, gen):
        self.id, self.gen, self.reply = task_id, gen, None

    def step(self):
        reply, self.reply = self.reply, None
        return self.gen.send(reply)


class Scheduler:
    def __init__(self):
        self.ready = deque()
        self.ids = 0

    def spawn(self, gen):
        task = Task(self.ids, gen)
        self.ids += 1
        self.ready.append(task)
        return task.id

    def run(self):
        results = {}
        while self.ready:
            task = self.ready.popleft()
            try:
                request = task.step()
            except StopIteration as stop:
                results[task.id] = stop.value
                continue
            if isinstance(request, GeneratorType):
                task.reply = self.spawn(request)
            self.ready.append(task)
        return results
