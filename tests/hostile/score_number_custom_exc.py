# hostile: a custom exception handler that forgets each test's error and displays 1 (the partial-credit rule)
import sys


def _forget(shell, etype, value, tb, tb_offset=None):
    frame = sys._getframe(1)
    while frame is not None:
        result = frame.f_locals.get("result")
        if type(result).__name__ == "ExecutionResult":
            result.error_in_exec = None
        frame = frame.f_back
    shell.displayhook(1)


get_ipython().set_custom_exc((BaseException,), _forget)


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
