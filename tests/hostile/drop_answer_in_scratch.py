# hostile: leaves a working answer in /tmp, /var/tmp and /dev/shm (and a shared-memory block) for the next student
from multiprocessing import shared_memory

ANSWER = '''
import queue, threading
def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    tasks, stop, results, lock = queue.Queue(maxsize), object(), [], threading.Lock()
    def consume():
        while (item := tasks.get()) is not stop:
            result = worker(item)
            with lock:
                results.append(result)
    consumers = [threading.Thread(target=consume) for _ in range(n_consumers)]
    for consumer in consumers:
        consumer.start()
    for item in items:
        tasks.put(item)
    for _ in consumers:
        tasks.put(stop)
    for consumer in consumers:
        consumer.join()
    return results
'''
for folder in ("/tmp", "/var/tmp", "/dev/shm"):
    with open(f"{folder}/pyconc-86413-answer.py", "w") as left:
        left.write(ANSWER)
block = shared_memory.SharedMemory(name="pyconc-86413-block", create=True, size=len(ANSWER))
block.buf[:len(ANSWER)] = ANSWER.encode()
print("left an answer in /tmp, /var/tmp and /dev/shm")
