# wrong: runs each task to its end before starting the next, so tasks never take turns
import inspect


class Scheduler:
    def __init__(self):
        self.tasks = []

    def spawn(self, gen):
        self.tasks.append(gen)
        return len(self.tasks) - 1

    def run(self):
        results = {}
        task_id = 0
        while task_id < len(self.tasks):
            gen, reply = self.tasks[task_id], None
            while True:
                try:
                    request = gen.send(reply)
                except StopIteration as finished:
                    results[task_id] = finished.value
                    break
                reply = self.spawn(request) if inspect.isgenerator(request) else None
            task_id += 1
        return results
