# wrong: removes finished tasks from the list its for loop runs over, so the task after one that ends loses its turn
import inspect


class Scheduler:
    def __init__(self):
        self.tasks = []
        self.count = 0

    def spawn(self, gen):
        self.tasks.append([self.count, gen, None])
        self.count += 1
        return self.count - 1

    def run(self):
        results = {}
        while self.tasks:
            for task in self.tasks:
                task_id, gen, reply = task
                try:
                    request = gen.send(reply)
                except StopIteration as finished:
                    results[task_id] = finished.value
                    self.tasks.remove(task)
                    continue
                task[2] = self.spawn(request) if inspect.isgenerator(request) else None
        return results
