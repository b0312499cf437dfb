# right: a plain list used as a FIFO (pop(0)); each task is primed with next() and then resumed with send()
import inspect
import itertools


class Scheduler:
    def __init__(self):
        self.queue = []
        self.numbers = itertools.count()
        self.started = set()

    def spawn(self, gen):
        task_id = next(self.numbers)
        self.queue.append((task_id, gen, None))
        return task_id

    def run(self):
        results = {}
        while self.queue:
            task_id, gen, value = self.queue.pop(0)
            try:
                if task_id in self.started:
                    request = gen.send(value)
                else:
                    self.started.add(task_id)
                    request = next(gen)
            except StopIteration as finished:
                results[task_id] = finished.value
                continue
            value = self.spawn(request) if inspect.isgenerator(request) else None
            self.queue.append((task_id, gen, value))
        return results
