# hostile: every error vanishes: IPython never records it (class-level patch) and the kernel never sends it
from IPython.core.interactiveshell import ExecutionResult
from jupyter_client.session import Session

ExecutionResult.error_in_exec = property(lambda self: None, lambda self, value: None)
ExecutionResult.error_before_exec = property(lambda self: None, lambda self, value: None)
_send = Session.send


def _quiet(self, stream, msg_or_type, *args, **kwargs):
    if msg_or_type == "error":
        return None
    return _send(self, stream, msg_or_type, *args, **kwargs)


Session.send = _quiet


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
