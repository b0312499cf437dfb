"""Which cells of a submission grading may leave out: teaching demos that no exercise depends on.

A chapter spends about 40 % of its run time on demonstrations (timelines, measurements, plots) that no
check looks at. Grading skips a code cell when all of this holds:

- it has no nbgrader role (no answer, check or locked cell is ever skipped);
- it comes before the chapter's ``## Exercises`` heading (cells the student adds among the exercises run);
- no cell that runs reads a name it binds, directly or through other cells that run because of it;
- it parses as Python and comes after every cell that does not (a magic or shell escape could read any
  name, so the cells before one always run). ``%matplotlib`` is the one magic taken as Python that binds
  and reads nothing: it only picks the plotting backend (and ipykernel already picks the inline one), so
  a setup cell that starts with it can be left out with the demos it serves.

Skipping a cell is something the student could have done themselves by deleting it, so it can never earn
points; and an answer that uses a helper defined in a teaching cell keeps that cell. The test suite grades
every variant answer once with every cell run and twice with demos skipped, and requires identical scores
per cell (tests/test_autograde.py).

``COURSE_RUN_DEMOS=1`` runs every cell.
"""
from __future__ import annotations

import ast
import os
import re

from nbformat.notebooknode import NotebookNode

__all__ = ["NOT_RUN_NOTE", "run_demos", "skippable"]

NOT_RUN_NOTE = "[not run when grading: a teaching demo that no exercise uses]\n"
_EXERCISES = re.compile(r"##\s+Exercises\b")
_BACKEND_MAGIC = re.compile(r"^%matplotlib[ \t]+\w+[ \t]*$", re.MULTILINE)


def run_demos() -> bool:
    """Whether grading runs every cell (``COURSE_RUN_DEMOS=1``), as a learner's Run All does."""
    return os.environ.get("COURSE_RUN_DEMOS", "").lower() in {"1", "yes", "true", "on"}


def skippable(nb: NotebookNode) -> set[int]:
    """Indices of the code cells of ``nb`` that grading can leave out (see the module docstring).

    Position does not matter: a function defined in one cell may run after any later cell, reading the names
    that cell binds, so a cell that runs keeps every candidate that binds a name it reads, before or after it.
    """
    first_exercise = next((i for i, c in enumerate(nb.cells)
                           if c.cell_type == "markdown" and _EXERCISES.match(c.source)), len(nb.cells))
    code = {i: _names(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    last_unparsed = max((i for i, names in code.items() if names is None), default=-1)
    candidates = {i for i, names in code.items()
                  if last_unparsed < i < first_exercise and not nb.cells[i].metadata.get("nbgrader")}
    running = set(code) - candidates
    while True:
        needed = set().union(*(code[i][1] for i in running if code[i] is not None))
        pulled = {i for i in candidates - running if code[i][0] & needed}
        if not pulled:
            return candidates - running
        running |= pulled


def _names(source: str) -> tuple[set[str], set[str]] | None:
    """(names the cell binds, names it reads before binding them), or None when it is not Python.

    Statements are taken in order: a name bound by an earlier statement of the cell is the cell's own. Within
    an assignment the value is read before the target is bound (``x = x + 1`` reads an earlier ``x``); within
    any other statement a name it binds (a loop variable, ``with … as``) is bound before it is read. A
    function body runs later, so it reads what the whole cell binds. Over-approximating what a cell binds or
    reads only keeps more cells.
    """
    source = _BACKEND_MAGIC.sub("", source)
    try:  # IPython awaits at top level
        tree = compile(source, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:
        return None
    bound: set[str] = set()
    free: set[str] = set()
    later: set[str] = set()
    for statement in tree.body:
        binds, reads, deferred = _scan(statement)
        free |= reads - binds - bound
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and statement.value is not None:
            value_reads = _scan(statement.value)[1]
            target_reads = binds if isinstance(statement, ast.AugAssign) else set()  # ``n += 1`` reads n
            free |= (value_reads | target_reads) - bound
        later |= deferred
        bound |= binds
    return bound, free | (later - bound)


def _scan(node: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """(global names bound, names read now, global names read later by function bodies) under ``node``.

    A function's or class's own names (parameters, locals, class attributes) are not the cell's bindings,
    and a function reads only what it does not bind itself; ``global x`` in a function binds the cell's x.
    """
    scope = _Scope()
    scope.visit(node)
    return scope.binds | scope.global_binds, scope.reads, scope.deferred


class _Scope(ast.NodeVisitor):
    """The names one scope binds and reads; nested function and class scopes report only what escapes them."""

    def __init__(self) -> None:
        self.binds: set[str] = set()
        self.reads: set[str] = set()
        self.deferred: set[str] = set()  # read by nested function bodies, when called
        self.global_binds: set[str] = set()  # bound by nested scopes through ``global``
        self.declared_global: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        (self.reads if isinstance(node.ctx, ast.Load) else self.binds).add(node.id)

    def visit_alias(self, node: ast.alias) -> None:
        self.binds.add((node.asname or node.name).split(".")[0])

    def visit_Global(self, node: ast.Global) -> None:
        self.declared_global.update(node.names)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        for outer in (*getattr(node, "decorator_list", ()), *node.args.defaults, *node.args.kw_defaults):
            if outer is not None:
                self.visit(outer)
        if not isinstance(node, ast.Lambda):
            self.binds.add(node.name)
        inner = _Scope()
        inner.binds.update(a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                                             *(x for x in (node.args.vararg, node.args.kwarg) if x)))
        for statement in node.body if isinstance(node.body, list) else [node.body]:
            inner.visit(statement)
        self._absorb(inner, local=inner.binds - inner.declared_global)

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for outer in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
            self.visit(outer)
        self.binds.add(node.name)
        inner = _Scope()
        for statement in node.body:
            inner.visit(statement)
        self.reads |= inner.reads  # a class body runs now, and its names are attributes, not globals
        inner.reads = set()
        self._absorb(inner, local=set())

    def _absorb(self, inner: _Scope, local: set[str]) -> None:
        """Take from a nested scope what it reads from outside (later) and binds through ``global``."""
        self.deferred |= (inner.reads | inner.deferred) - local
        self.global_binds |= inner.global_binds | (inner.binds & inner.declared_global)
