# hostile: every later cell hangs before it runs (a class-level patch of IPython's compiler), so each waits out the timeout
import time

from IPython.core.compilerop import CachingCompiler


def _hang(self, *args, **kwargs):
    while True:
        time.sleep(0.1)


CachingCompiler.ast_parse = _hang


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
