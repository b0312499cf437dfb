# hostile: two threads deadlock on two locks and the cell waits for them for ever (no check's time bound here)
import threading

first, second = threading.Lock(), threading.Lock()
both_hold_one = threading.Barrier(2)


def take(a, b):
    with a:
        both_hold_one.wait()
        with b:
            pass


threads = [threading.Thread(target=take, args=(first, second), name="takes first then second"),
           threading.Thread(target=take, args=(second, first), name="takes second then first")]
for t in threads:
    t.start()
for t in threads:
    t.join()
