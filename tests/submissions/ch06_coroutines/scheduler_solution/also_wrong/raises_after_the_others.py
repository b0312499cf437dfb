# wrong: keeps running the other tasks after one raised, and raises its exception only once they are all done
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
        errors = []
        while self.ready:
            task_id, gen, reply = self.ready.popleft()
            try:
                request = gen.send(reply)
            except StopIteration as finished:
                results[task_id] = finished.value
                continue
            except Exception as error:
                errors.append(error)
                continue
            reply = self.spawn(request) if inspect.isgenerator(request) else None
            self.ready.append((task_id, gen, reply))
        if errors:
            raise errors[0]
        return results
