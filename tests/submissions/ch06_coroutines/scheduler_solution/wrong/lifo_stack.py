# wrong: takes the newest task first (list.pop() from the end), so tasks run in the reverse of their spawn order
import inspect


class Scheduler:
    def __init__(self):
        self.ready = []
        self.count = 0

    def spawn(self, gen):
        self.ready.append((self.count, gen, None))
        self.count += 1
        return self.count - 1

    def run(self):
        results = {}
        while self.ready:
            task_id, gen, reply = self.ready.pop()
            try:
                request = gen.send(reply)
            except StopIteration as finished:
                results[task_id] = finished.value
                continue
            reply = self.spawn(request) if inspect.isgenerator(request) else None
            self.ready.insert(0, (task_id, gen, reply))
        return results
