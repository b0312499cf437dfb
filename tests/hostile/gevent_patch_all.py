# hostile: applies gevent's monkey patching inside the kernel, which swaps threading for greenlets
from gevent import monkey

monkey.patch_all()


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    return [worker(item) for item in items]
