# hostile: every later cell that ends in an expression hangs there (a class-level patch of IPython's displayhook)
import time

from IPython.core.displayhook import DisplayHook


def _hang(self, result=None):
    while True:
        time.sleep(0.1)


DisplayHook.__call__ = _hang


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
