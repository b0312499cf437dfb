"""Be the scheduler (调度器): you choose which thread runs the next line, and try to break a small program.

Each thread of a ``Program`` is a few lines of Python, and each line is one indivisible step: the scheduler
may switch threads between any two lines, never inside one (so a read, an add and a write are written as
three lines, as the bytecode of ``counter += 1`` has them). ``lock.acquire()`` and ``lock.release()`` lines
act on the program's locks: a thread whose next line acquires a lock that is held cannot run. A schedule
*breaks* a program when the run ends in a deadlock (no thread can run, and not all have finished) or with
the program's ``expect`` false, e.g. ``counter == 2``.

``Game`` is the stepping logic, shared by the widget (``play``: a button per thread, the shared state and
the thread timeline redrawn after every step) and by the checkpoint check that replays a student's schedule
(``replay``), so the check judges exactly what the learner played. Unlike ``course.interleave``, which runs
real threads and searches their interleavings, a Game stops after every step and waits for the learner;
its timeline is drawn the way interleave draws a failing schedule (``Outcome.timeline``).
"""
from __future__ import annotations

import ast
import dataclasses
import html
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

from course.interleave import Outcome

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.axes import Axes

__all__ = ["DEADLOCK", "LOST_UPDATE", "WITHDRAWALS", "Game", "Program", "play", "replay"]


@dataclasses.dataclass(frozen=True)
class Program:
    """Threads (name → lines), the shared variables they start with, the names of its locks, and ``expect``:
    an expression over the shared variables that every correct run makes true by its end."""

    title: str
    goal: str
    threads: dict[str, tuple[str, ...]]
    shared: dict[str, Any]
    expect: str
    locks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, lines in self.threads.items():
            for line in lines:
                _parse(line, self.locks, name)


def _parse(line: str, locks: tuple[str, ...], thread: str) -> tuple[str, str] | Any:
    """A lock operation as (lock, "acquire" | "release"), or the line's compiled code."""
    tree = ast.parse(line)
    call = tree.body[0].value if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) else None
    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
            and call.func.value.id in locks and not call.args):
        if call.func.attr not in ("acquire", "release"):
            raise ValueError(f"{thread}: {line!r}: a lock here can only acquire() or release()")
        return call.func.value.id, call.func.attr
    return compile(tree, f"<{thread}>", "exec")


def _assigned(line: str) -> list[str]:
    """The names a plain assignment line writes (even a value equal to the old one); [] for any other line."""
    statement = ast.parse(line).body[0]
    targets = statement.targets if isinstance(statement, ast.Assign) else []
    return [t.id for t in targets if isinstance(t, ast.Name)]


class _Scope(MutableMapping):
    """The names a thread's line sees: the shared variables, and the thread's own (every other name it binds)."""

    def __init__(self, shared: dict[str, Any], own: dict[str, Any]) -> None:
        self.shared, self.own = shared, own

    def __getitem__(self, key: str) -> Any:
        return self.own[key] if key in self.own else self.shared[key]

    def __setitem__(self, key: str, value: Any) -> None:
        (self.shared if key in self.shared else self.own)[key] = value

    def __delitem__(self, key: str) -> None:
        raise TypeError("a line of a puzzle may not delete a variable")

    def __iter__(self) -> Iterator[str]:
        return iter({**self.shared, **self.own})

    def __len__(self) -> int:
        return len({**self.shared, **self.own})


class Game:
    """One run of a Program, one step at a time; ``step(thread)`` runs that thread's next line."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.shared = dict(program.shared)
        self.own: dict[str, dict[str, Any]] = {name: {} for name in program.threads}
        self.at = dict.fromkeys(program.threads, 0)  # index of each thread's next line
        self.holder: dict[str, str | None] = dict.fromkeys(program.locks)
        self.events: list[tuple[str, str]] = []  # (thread, what its step did), in order

    # ----------------------------------------------------------------- where things stand
    def next_line(self, thread: str) -> str | None:
        """The line ``thread`` runs next, or None once it has finished."""
        lines = self.program.threads[thread]
        return lines[self.at[thread]] if self.at[thread] < len(lines) else None

    def waits_for(self, thread: str) -> str | None:
        """The lock whose acquire() the thread is stuck at (held, by another thread or by itself), or None."""
        line = self.next_line(thread)
        op = _parse(line, self.program.locks, thread) if line is not None else None
        if isinstance(op, tuple) and op[1] == "acquire" and self.holder[op[0]] is not None:
            return op[0]
        return None

    def runnable(self) -> list[str]:
        """The threads that can take a step now, in the program's order."""
        return [t for t in self.program.threads if self.next_line(t) is not None and self.waits_for(t) is None]

    @property
    def finished(self) -> bool:
        return all(self.next_line(t) is None for t in self.program.threads)

    @property
    def over(self) -> bool:
        """No step is left to take: every thread finished, or the rest are stuck (a deadlock)."""
        return not self.runnable()

    def deadlock(self) -> str | None:
        """Who waits for what, when no thread can run and not all have finished; else None."""
        if self.finished or self.runnable():
            return None
        stuck = [t for t in self.program.threads if self.next_line(t) is not None]
        waits = [f"{t} waits for {self.waits_for(t)}, held by {self.holder[self.waits_for(t)]}" for t in stuck]
        return "deadlock: " + "; ".join(waits)

    def broken(self) -> str | None:
        """Why this run broke the program (a deadlock, or ``expect`` false at the end); None if it did not (yet)."""
        if (stuck := self.deadlock()) is not None:
            return stuck
        if self.finished and not eval(self.program.expect, {"__builtins__": {}}, dict(self.shared)):  # noqa: S307 -- our own puzzles
            return f"the run ended with {self.describe_shared()}: `{self.program.expect}` is false"
        return None

    def describe_shared(self) -> str:
        return ", ".join(f"{k} = {v!r}" for k, v in self.shared.items())

    # ----------------------------------------------------------------- playing
    def step(self, thread: str) -> str:
        """Run ``thread``'s next line and return what it did; ValueError (saying why) if it cannot run now."""
        if thread not in self.program.threads:
            raise ValueError(f"there is no thread {thread!r}: the threads are {', '.join(map(repr, self.program.threads))}")
        line = self.next_line(thread)
        if line is None:
            raise ValueError(f"{thread} has finished: it has no line left to run")
        if (lock := self.waits_for(thread)) is not None:
            raise ValueError(f"{thread} cannot run: its next line is `{line}`, and {lock} is held by {self.holder[lock]}")
        op = _parse(line, self.program.locks, thread)
        if isinstance(op, tuple):
            lock, action = op
            if action == "release" and self.holder[lock] != thread:
                raise ValueError(f"{thread} releases {lock}, which it does not hold")
            self.holder[lock] = thread if action == "acquire" else None
            did = f"{'holds' if action == 'acquire' else 'released'} {lock}"
        else:
            scope = _Scope(self.shared, self.own[thread])
            before = dict(scope)
            exec(op, {"__builtins__": {}}, scope)  # noqa: S102 -- our own puzzles
            written = _assigned(line) or [k for k, v in scope.items() if before.get(k, ...) != v]
            did = ", ".join(f"{k} = {scope[k]!r}" for k in written) or "nothing written"
        self.at[thread] += 1
        self.events.append((thread, did))
        return did

    # ----------------------------------------------------------------- drawing
    def plot(self, ax: Axes | None = None) -> Axes:
        """The steps so far as a thread timeline: a bar per stretch one thread ran, a tick per step."""
        outcome = Outcome(runs=1, events=self.events)
        title = self.broken() or (f"step {len(self.events)}" if self.events else "no step taken yet")
        ax = outcome.timeline().plot(ax, title=title[:90])
        ax.set_xlabel("step")
        ax.xaxis.get_major_locator().set_params(integer=True)
        return ax

    def board_html(self) -> str:
        """The threads' code (▶ at each next line), their own variables, the shared state and the locks."""
        columns = []
        for t, lines in self.program.threads.items():
            rows = []
            for i, line in enumerate(lines):
                mark = "▶" if i == self.at[t] else ("✓" if i < self.at[t] else "&nbsp;")
                rows.append(f"<div style='font-family:monospace;{'color:#888' if i < self.at[t] else ''}'>"
                            f"{mark} {html.escape(line)}</div>")
            state = "finished" if self.next_line(t) is None else (
                f"waits for {self.waits_for(t)}" if self.waits_for(t) else "can run")
            mine = ", ".join(f"{k} = {v!r}" for k, v in self.own[t].items()) or "(none yet)"
            columns.append(f"<td style='vertical-align:top;padding:0 2em 0 0'><b>{html.escape(t)}</b> ({state})"
                           f"{''.join(rows)}<div>own variables: {html.escape(mine)}</div></td>")
        locks = "".join(f"; {k}: {'free' if v is None else 'held by ' + v}" for k, v in self.holder.items())
        return (f"<table><tr>{''.join(columns)}</tr></table>"
                f"<div><b>shared</b>: {html.escape(self.describe_shared())}{html.escape(locks)}</div>")


def replay(program: Program, schedule: Any) -> Game:
    """Run ``schedule`` (thread names, one per line to run), then finish the run: the thread that ran last
    goes on while it can, else the first that can run, as a scheduler that never preempts would do.

    ValueError, saying what to change, if ``schedule`` is not a list of the program's thread names or names
    a thread that cannot run at that point.
    """
    names = ", ".join(map(repr, program.threads))
    first, *rest = program.threads
    if not isinstance(schedule, list | tuple) or not all(isinstance(s, str) for s in schedule):
        raise ValueError(f"a schedule is a list of thread names ({names}), one for each line to run, "
                         f"e.g. {[first, first, *rest]!r}")
    game = Game(program)
    last = None
    for k, thread in enumerate(schedule, 1):
        try:
            game.step(thread.strip())
        except ValueError as error:
            raise ValueError(f"step {k} of your schedule: {error}") from None
        last = thread.strip()
    while runnable := game.runnable():
        game.step(last if last in runnable else runnable[0])
        last = game.events[-1][0]
    return game


# ----------------------------------------------------------------------------- the puzzles

LOST_UPDATE = Program(
    title="Puzzle 1: make the counter lose an update",
    goal="Both threads add one to counter, which starts at 0. Choose the order of their lines so that both "
         "finish and counter ends at 1, not 2.",
    threads={t: ("tmp = counter", "tmp = tmp + 1", "counter = tmp") for t in ("T1", "T2")},
    shared={"counter": 0},
    expect="counter == 2",
)

DEADLOCK = Program(
    title="Puzzle 2: make the two transfers deadlock",
    goal="T1 moves 10 from account a to b, T2 moves 20 from b to a; each takes both accounts' locks first, "
         "in opposite orders. Choose the order of their lines so that neither thread can ever go on.",
    threads={"T1": ("lock_a.acquire()", "lock_b.acquire()", "a = a - 10", "b = b + 10",
                    "lock_b.release()", "lock_a.release()"),
             "T2": ("lock_b.acquire()", "lock_a.acquire()", "b = b - 20", "a = a + 20",
                    "lock_a.release()", "lock_b.release()")},
    shared={"a": 100, "b": 100},
    expect="a + b == 200",
    locks=("lock_a", "lock_b"),
)

WITHDRAWALS = Program(
    title="Checkpoint: two withdrawals that check first",
    goal="alice and bob each withdraw 80 from a balance of 100, but only if the balance covers it. "
         "Give a schedule that makes the balance go below 0.",
    threads={t: ("enough = balance >= 80", "if enough: balance = balance - 80") for t in ("alice", "bob")},
    shared={"balance": 100},
    expect="balance >= 0",
)


# ----------------------------------------------------------------------------- the widget

def play(program: Program) -> ipywidgets.VBox:
    """Show ``program`` as a plain output (what a static copy of the notebook keeps: the puzzle and its
    start), and return the board: a button per thread runs its next line; state, timeline and verdict are
    redrawn after every step; Reset starts again."""
    import ipywidgets
    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    game = Game(program)
    display(HTML(f"<h4>{html.escape(program.title)}</h4><p>{html.escape(program.goal)}</p>{game.board_html()}"))
    board, status = ipywidgets.HTML(), ipywidgets.HTML()
    figure = ipywidgets.Output()
    buttons = {t: ipywidgets.Button(description=f"step {t}", tooltip=f"run {t}'s next line") for t in program.threads}
    reset = ipywidgets.Button(description="reset", button_style="warning")

    def redraw() -> None:
        board.value = game.board_html()
        for t, button in buttons.items():
            button.disabled = t not in game.runnable()
        problem = game.broken()
        if problem:
            status.value = f"<b style='color:green'>Solved</b> in {len(game.events)} steps: {html.escape(problem)}."
        elif game.over:
            status.value = (f"Both threads finished and the program worked ({html.escape(game.describe_shared())}). "
                            f"Press reset and try another order.")
        else:
            status.value = f"Step {len(game.events)}: pick the thread that runs next."
        with figure:
            figure.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 2.2), layout="constrained")
            game.plot(ax)
            display(fig)
            plt.close(fig)

    def take(thread: str) -> None:
        try:
            game.step(thread)
        except ValueError as error:  # a click that reached the kernel before the button's greying reached the page
            status.value = f"{html.escape(str(error))}: pick another thread."
            return
        redraw()

    def start_again(_: Any = None) -> None:
        nonlocal game
        game = Game(program)
        redraw()

    for t, button in buttons.items():
        button.on_click(lambda _, t=t: take(t))
    reset.on_click(start_again)
    redraw()
    return ipywidgets.VBox([status, board, ipywidgets.HBox([*buttons.values(), reset]), figure])
