"""Helpers for the threads chapter that are not about timelines.

- ``run_with_timeline`` runs a short threading script in a fresh interpreter and brings back what it
  printed and the timeline it recorded. What happens to threads when the interpreter exits cannot be
  shown inside a notebook: the kernel never exits, and a daemon thread started there would outlive
  the cell. So such demos run as ``sys.executable -c SCRIPT``.
- ``say`` prints one line from a thread without lines of other threads cutting into it.
"""
from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from course.timeline import Timeline

__all__ = ["run_with_timeline", "say"]

# Runs before the script: gives it a Timeline `tl`, and saves `tl` when the interpreter shuts down.
# atexit handlers run after non-daemon threads were joined and before daemon threads are stopped,
# so the saved timeline shows exactly what each kind of thread managed to do.
_PREAMBLE = """\
import atexit, pickle, sys
from course.timeline import Timeline
tl = Timeline()

def _save_timeline():
    tl.mark("interpreter exits")
    with open(sys.argv[1], "wb") as f:
        pickle.dump(tl, f)

atexit.register(_save_timeline)
"""


def run_with_timeline(script: str, timeout: float = 10.0) -> tuple[str, Timeline]:
    """Run ``script`` with ``sys.executable -c`` and return (what it printed, its timeline).

    The script finds a :class:`Timeline` called ``tl`` ready to use; a mark "interpreter exits" is
    added to it at shutdown. Standard error follows standard output in the returned text.

    Raises:
        RuntimeError: if the script never reached shutdown (a syntax error, a crash); says why.
        subprocess.TimeoutExpired: if the script runs longer than ``timeout`` seconds.
    """
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "timeline.pickle"
        done = subprocess.run([sys.executable, "-c", _PREAMBLE + script, str(saved)],
                              capture_output=True, text=True, timeout=timeout)
        output = done.stdout + done.stderr
        if not saved.exists():
            raise RuntimeError(f"the script stopped before its interpreter shut down:\n{output}")
        timeline = pickle.loads(saved.read_bytes())
    return output, timeline


def say(message: str) -> None:
    """Print ``message`` as one line that lines printed by other threads cannot split.

    ``print()`` writes the text and the line end in separate steps, so two threads printing at the
    same moment can produce ``"light: GREENcar 1: drives through"``. One ``write`` keeps a line whole.
    """
    sys.stdout.write(f"{message}\n")
