# hostile: two consumer threads take two locks in opposite orders and wait for each other for ever
import threading

first, second = threading.Lock(), threading.Lock()


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    both_hold_one = threading.Barrier(2)

    def take(a, b):
        with a:
            both_hold_one.wait()
            with b:
                pass

    threads = [threading.Thread(target=take, args=(first, second)), threading.Thread(target=take, args=(second, first))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [worker(item) for item in items]
