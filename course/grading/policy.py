"""The grading policy: what the code a student wrote may use, checked in the grader before any of it runs.

The guard (``course.grading.guard``) watches from inside the kernel, where the student's code runs too, so
whatever it records that code can reach around: audit hooks, IPython's compiler and message sending,
class-level patches, a module's ``__class__``, the guard's key found with ``gc``, the hidden tests read from
IPython's history, patches made only while a test runs. This module refuses such code before it reaches the
kernel: every cell the student wrote or changed is parsed in the grader process (``ast``, never run) and held
against a policy that no exercise needs to break.

The policy follows RestrictedPython's idea (a compile-time check of the syntax tree: no names or attributes
that lead into the interpreter, imports through an allowlist) but not its mechanism: RestrictedPython rewrites
code to call guard functions at run time, in the same process; here nothing is rewritten and nothing runs, the
grader only reads the code. Unlike RestrictedPython it allows the student's own ``_private`` attributes
(``self._lock``), which the course's answers use, and forbids only those of what was imported.

``violations(source, imported)`` lists what a cell breaks; ``statement()`` is the text students read.
"""
from __future__ import annotations

import ast
import functools
import importlib
import re
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["ALLOWED_MODULES", "PARTLY_ALLOWED_MODULES", "Violation", "imports_of", "statement", "violations"]

# Modules a graded cell may import, with their public submodules and attributes.
ALLOWED_MODULES = frozenset({
    "asyncio", "bisect", "collections", "concurrent.futures", "contextlib", "dataclasses", "enum",
    "functools", "heapq", "itertools", "math", "multiprocessing", "queue", "random", "statistics", "threading",
    "time", "typing",
    "course.amplify", "course.bounded", "course.coroutines", "course.gil", "course.scheduling", "course.timeline",
    "course.workloads",
})
# The visible checks: a cell may import them and call their public functions, as the released check cells do
# (a student reruns one, or pastes a check cell), and do nothing else with them.
CALL_ONLY = "course.checks"
# Public parts of those that run other programs or unpickle raw bytes.
DENIED_SUBMODULES = frozenset({"asyncio.base_subprocess", "asyncio.subprocess", "multiprocessing.reduction"})
# Modules a graded cell may use only through these attributes (``sys.exit``, ``from inspect import isgenerator``).
PARTLY_ALLOWED_MODULES = {
    "__future__": frozenset({"annotations"}),  # others change the grammar of later cells
    "sys": frozenset({"exit", "getswitchinterval", "maxsize", "platform", "version_info"}),
    "os": frozenset({"cpu_count", "getpid", "getppid"}),
    "inspect": frozenset({"isawaitable", "iscoroutine", "iscoroutinefunction", "isgenerator", "isgeneratorfunction"}),
    "types": frozenset({"CoroutineType", "GeneratorType", "SimpleNamespace"}),
    "course.processes": frozenset({"best_time", "usable_cores"}),
    # dumps tells whether an item can cross to another process; loads could call any function by name
    "pickle": frozenset({"PickleError", "PicklingError", "dumps"}),
}
# Names a cell may not read, and why: they run text as code, reach namespaces or the interpreter, or read
# IPython's history (which holds the hidden tests' source once they ran).
_WHY_NOT = {
    "runs text as code": {"compile", "eval", "exec"},
    "reaches attributes by a computed name; write obj.name": {"delattr", "getattr", "hasattr", "setattr"},
    "reaches a namespace": {"dir", "globals", "locals", "vars"},
    "reaches IPython, which runs the grader's checks": {"get_ipython"},
    "reads the notebook's history, where the checks' code is": {"In", "Out", "_", "__", "___", "_dh", "_i", "_ih",
                                                                "_ii", "_iii", "_oh"},
    "reaches files, the debugger or the terminal": {"breakpoint", "exit", "help", "input", "memoryview", "open", "quit"},
}
FORBIDDEN_NAMES = {name: why for why, names in _WHY_NOT.items() for name in names}
IPYTHON_HISTORY = re.compile(r"_i?\d+")  # _i3 (the source of cell 3), _3 (its output)
# Attributes that lead to frames, namespaces, trace hooks, other programs, raw pickles or code in text, or copy
# a function's identity onto another (wraps), whatever object they are read on or imported from.
FORBIDDEN_ATTRIBUTES = frozenset({
    "ForwardRef", "ag_code", "ag_frame", "create_subprocess_exec", "create_subprocess_shell", "cr_code", "cr_frame",
    "f_back", "f_builtins", "f_code", "f_globals", "f_locals", "f_trace", "get_stack", "get_type_hints", "gi_code",
    "gi_frame", "loads", "mro", "print_stack", "_send_bytes", "send_bytes", "set_event_loop_policy",
    "set_exception_handler", "set_executable", "set_forkserver_preload", "set_task_factory", "setprofile",
    "setprofile_all_threads", "settrace", "settrace_all_threads", "subprocess_exec", "subprocess_shell", "tb_frame",
    "tb_next", "update_wrapper", "wraps",
})
# Dunder attributes a cell may read (calling a parent's method, a function's name); no dunder may be written.
ALLOWED_DUNDER_ATTRIBUTES = frozenset({
    "__aenter__", "__aexit__", "__aiter__", "__anext__", "__await__", "__bool__", "__call__", "__contains__",
    "__doc__", "__enter__", "__eq__", "__exit__", "__ge__", "__getitem__", "__gt__", "__hash__", "__init__",
    "__iter__", "__le__", "__len__", "__lt__", "__name__", "__ne__", "__next__", "__post_init__", "__repr__",
    "__setitem__", "__str__",
})
ALLOWED_DUNDER_NAMES = frozenset({"__all__", "__doc__", "__name__", "__slots__"})
# Dunders a class body must not set either: they forge where the class comes from or what it holds.
FORBIDDEN_CLASS_DUNDERS = frozenset({
    "__annotations__", "__builtins__", "__class__", "__code__", "__dict__", "__globals__", "__module__",
    "__qualname__",
})
# IPython magics a graded cell may keep (the timing ones and the plotting backend); their code is checked too.
ALLOWED_MAGICS = frozenset({"matplotlib", "time", "timeit"})
MAGIC_OPTIONS = re.compile(r"^\s*(?:(?:-[nrp]\s*\d+|--?[a-z][a-z-]*)\s+)*")


@dataclass(frozen=True)
class Violation:
    """One construct of a cell that the policy refuses, and why."""

    line: int
    construct: str
    why: str

    def __str__(self) -> str:
        return f"line {self.line}: `{self.construct}` — {self.why}"


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


@functools.cache
def _canonical(path: str) -> str:
    """``path`` with each module it passes through named by its real name: ``contextlib.sys.modules`` is
    ``sys.modules``, since an allowed module's own imports are attributes of it."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        head = ".".join(parts[:cut])
        if head in ALLOWED_MODULES or head in PARTLY_ALLOWED_MODULES or (cut == 3 and head.startswith(CALL_ONLY + ".")):
            break
    else:
        return path
    try:
        obj = importlib.import_module(head)
    except ImportError:
        return path
    name = head
    for index in range(cut, len(parts)):
        obj = getattr(obj, parts[index], None)
        if not isinstance(obj, types.ModuleType):
            break
        name = obj.__name__
        cut = index + 1
    return ".".join([name, *parts[cut:]])


def _module_rule(path: str) -> tuple[bool, str | None]:
    """Whether ``path`` (a module, or a module's attribute) may be used; the partly allowed module it is in."""
    path = _canonical(path)
    if any(path == m or path.startswith(m + ".") for m in DENIED_SUBMODULES):
        return False, None
    if any(part in FORBIDDEN_ATTRIBUTES for part in path.split(".")):
        return False, None
    if _call_only(path):
        rest = path.split(".")[2:]
        return 1 <= len(rest) <= 2 and not any(p.startswith("_") for p in rest), None
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        head, rest = ".".join(parts[:cut]), parts[cut:]
        if head in ALLOWED_MODULES:
            return not any(p.startswith("_") for p in rest if not _is_dunder(p)), None
        if head in PARTLY_ALLOWED_MODULES:
            return bool(rest) and rest[0] in PARTLY_ALLOWED_MODULES[head], head
    return False, None


def _call_only(path: str) -> bool:
    """Whether ``path`` is in the visible checks, which a cell may only call."""
    path = _canonical(path)
    return path == CALL_ONLY or path.startswith(CALL_ONLY + ".")


def _import_message(path: str, imported: bool = True) -> str:
    """Why ``path`` may not be imported (``imported``) or used; only an import lists the allowed modules."""
    path = _canonical(path)
    _, partly = _module_rule(path)
    if any(part in FORBIDDEN_ATTRIBUTES for part in path.split(".")):
        return "the grader does not allow this: it reaches frames, hooks, other programs, raw pickles or code in text"
    if _call_only(path) and not imported:
        return "the course's checks may only be called (`checks.check_…(…)`), as the check cells do"
    if any(path == m or path.startswith(m + ".") for m in DENIED_SUBMODULES):
        return "the grader does not allow this part of the module: it runs other programs or unpickles raw bytes"
    if partly:
        return f"of {partly} the grader allows only {', '.join(sorted(PARTLY_ALLOWED_MODULES[partly]))}"
    parts = path.split(".")
    private = next((i for i, p in enumerate(parts) if i and p.startswith("_") and not _is_dunder(p)), None)
    if private is not None and _module_rule(".".join(parts[:private]))[0]:
        return "the grader does not allow the private (_name) parts of a module or class"
    if not imported:
        return f"this is {path}, from a module the grader does not allow"
    return f"the grader allows only these imports: {', '.join(sorted(ALLOWED_MODULES | PARTLY_ALLOWED_MODULES.keys()))}"


def imports_of(tree: ast.AST) -> dict[str, str]:
    """The names a tree's imports bind, each mapped to the dotted path it stands for."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


@functools.cache
def _transformer() -> Any:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


@functools.lru_cache(maxsize=1024)  # each cell is parsed for its imports, then checked; trees are only read
def parse(source: str) -> ast.Module | None:
    """The syntax tree of a cell as IPython would run it (magics turned into calls), or None if it has none:
    such a cell fails to compile in the kernel too, so nothing of it runs."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT  # IPython runs a top-level await
    try:
        return compile(_transformer().transform_cell(source), "<cell>", "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError):
        return None


class _Checker(ast.NodeVisitor):
    """Walks one cell's tree and collects what it breaks."""

    def __init__(self, imported: dict[str, str], aliases: dict[str, str], classes: set[str]) -> None:
        self.imported = dict(imported)
        self.aliases = aliases  # names assigned what an import provides, in any scope
        self.classes = classes  # names assigned type(...): the class of an object other code made
        self.found: list[Violation] = []
        self.locals: list[set[str]] = []
        self.in_class = 0

    def flag(self, node: ast.AST, why: str, construct: str | None = None) -> None:
        text = construct or ast.unparse(node)
        self.found.append(Violation(getattr(node, "lineno", 0), text if len(text) <= 80 else text[:77] + "...", why))

    # --- what a name or an attribute chain stands for
    def path_of(self, node: ast.AST) -> str | None:
        """The dotted import path an expression stands for (``threading.Thread.run``), if it is one."""
        if isinstance(node, ast.Name):
            if any(node.id in scope for scope in self.locals):
                return self.aliases.get(node.id)
            return self.aliases.get(node.id) or self.imported.get(node.id)
        if isinstance(node, ast.Attribute) and (base := self.path_of(node.value)):
            return f"{base}.{node.attr}"
        return None

    def root(self, node: ast.AST) -> ast.AST:
        while isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        return node

    def check_target(self, target: ast.AST, verb: str) -> None:
        """An attribute written or deleted must belong to the student's own objects."""
        if not isinstance(target, ast.Attribute | ast.Subscript):
            return
        base = target.value if isinstance(target, ast.Attribute) else target
        root = self.root(base)
        if self.path_of(base) or (isinstance(root, ast.Name) and (self.path_of(root) or root.id in self.classes)):
            self.flag(target, f"{verb} what an import provides patches it for everyone, the grader's checks included")
        elif isinstance(root, ast.Call) and isinstance(target, ast.Attribute):
            self.flag(target, f"{verb} an attribute of a call's result may patch a class; give it a name of your own")

    # --- imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            path = alias.name
            ok, partly = _module_rule(path)
            if not (ok or partly == path):
                self.flag(node, _import_message(path), f"import {path}")
            self.imported[alias.asname or path.split(".")[0]] = alias.name if alias.asname else path.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.flag(node, "relative imports reach the grader's package")
            return
        for alias in node.names:
            module = node.module or ""
            if alias.name == "*":
                self.flag(node, "import names one by one, so the grader can see what the cell uses", f"from {module} import *")
                continue
            ok, _ = _module_rule(f"{module}.{alias.name}")
            if not ok:
                self.flag(node, _import_message(f"{module}.{alias.name}"), f"from {module} import {alias.name}")
            self.imported[alias.asname or alias.name] = f"{module}.{alias.name}"

    # --- names and attributes
    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if any(name in scope for scope in self.locals) and not _is_dunder(name):
            return
        load = isinstance(node.ctx, ast.Load)
        if load and (name in FORBIDDEN_NAMES or IPYTHON_HISTORY.fullmatch(name)):
            self.flag(node, "the grader does not allow this name: it "
                      + FORBIDDEN_NAMES.get(name, FORBIDDEN_NAMES["_"]))
        elif name == "__name__" and not load:  # the functions defined after it would claim another module
            self.flag(node, "the grader does not allow renaming the notebook's module")
        elif _is_dunder(name) and name not in ALLOWED_DUNDER_NAMES and not (
                self.in_class and isinstance(node.ctx, ast.Store) and name not in FORBIDDEN_CLASS_DUNDERS):
            self.flag(node, "the grader does not allow this dunder name")
        elif load and (path := self.path_of(node)) and (_call_only(path) or not _module_rule(path)[0]):
            self.flag(node, _import_message(path, imported=False), name)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.check_target(node, "changing")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr, load = node.attr, isinstance(node.ctx, ast.Load)
        if not load:
            self.check_target(node, "assigning to" if isinstance(node.ctx, ast.Store) else "deleting")
        path = self.path_of(node)
        if _is_dunder(attr) and (attr not in ALLOWED_DUNDER_ATTRIBUTES or not load):
            self.flag(node, "the grader does not allow this dunder attribute: it leads into the interpreter (classes, "
                            "globals, builtins, code)" if load else "the grader does not allow writing a dunder attribute")
        elif attr in FORBIDDEN_ATTRIBUTES:
            self.flag(node, "the grader does not allow this attribute: it reaches frames, hooks, other programs, raw "
                            "pickles or code in text")
        elif path is not None and (_call_only(path) or not _module_rule(path)[0]):
            self.flag(node, _import_message(path, imported=False))
        if path is None:  # an import's chain was judged whole; anything else is judged part by part
            self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if node.value in FORBIDDEN_CLASS_DUNDERS:  # a name for getattr, type(), a namespace dict
            self.flag(node, "the grader does not allow this dunder, also as a string")

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg in {"module", "qualname"}:  # namedtuple, make_dataclass, Enum: a forged __module__
            self.flag(node.value, "the grader does not allow naming another module for what you make",
                      f"{node.arg}={ast.unparse(node.value)}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in {"getattr", "hasattr"} and len(node.args) in (2, 3) and \
                isinstance(name := node.args[1], ast.Constant) and isinstance(name.value, str) and name.value.isidentifier():
            # getattr(obj, "name") is obj.name: judged as that
            self.visit(ast.copy_location(ast.Attribute(value=node.args[0], attr=name.value, ctx=ast.Load()), node))
            for rest in [*node.args[2:], *node.keywords]:
                self.visit(rest)
            return
        if (path := self.path_of(func)) and _call_only(path) and len(_canonical(path).split(".")) == 4 \
                and _module_rule(path)[0]:  # a visible check called: the one use of the checks a cell may make
            for argument in [*node.args, *node.keywords]:
                self.visit(argument)
            return
        if isinstance(func, ast.Attribute) and func.attr in {"run_line_magic", "run_cell_magic"} and \
                isinstance(shell := func.value, ast.Call) and isinstance(shell.func, ast.Name) and shell.func.id == "get_ipython":
            self.check_magic(node)
            return
        self.generic_visit(node)

    def check_magic(self, node: ast.Call) -> None:
        """``%time``/``%timeit``/``%matplotlib``: allowed, with the code they time checked as a cell of its own."""
        args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
        name = args[0] if args else None
        if name not in ALLOWED_MAGICS or None in args:
            self.flag(node, f"the grader allows only the magics {', '.join('%' + m for m in sorted(ALLOWED_MAGICS))}",
                      f"%{name}")
            return
        code = args[-1] if node.func.attr == "run_cell_magic" else MAGIC_OPTIONS.sub("", args[1])
        if name != "matplotlib":
            inner = parse(code)
            if inner is None:
                self.flag(node, "the grader cannot read the code this magic runs", f"%{name}")
                return
            for found in violations_of(inner, self.imported):
                self.found.append(Violation(node.lineno, found.construct, found.why))

    # --- annotations, scopes, classes
    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.check_annotation(node.annotation)
        self.generic_visit(node)

    def check_annotation(self, annotation: ast.AST | None) -> None:
        """A string annotation is code that ``typing`` or ``dataclasses`` may evaluate: check it as code."""
        for node in ast.walk(annotation) if annotation else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    inner = ast.parse(node.value, mode="eval")
                except SyntaxError:
                    continue
                for found in violations_of(inner, self.imported):
                    self.found.append(Violation(node.lineno, found.construct, found.why))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if _is_dunder(node.name) and not self.in_class and node.name not in ALLOWED_DUNDER_NAMES:
            self.flag(node, "define dunder methods inside a class", f"def {node.name}")
        elif _is_dunder(node.name) and node.name in FORBIDDEN_CLASS_DUNDERS:
            self.flag(node, "the grader does not allow this dunder", f"def {node.name}")
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg, node.args.kwarg]:
            if arg is not None:
                self.check_annotation(arg.annotation)
        self.check_annotation(node.returns)
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.in_function(node, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.in_function(node, [node.body])

    def in_function(self, node: ast.AST, body: list[ast.AST]) -> None:
        """Visit a function's body with its own names shadowing the imports of the same name."""
        saved, self.in_class = self.in_class, 0
        self.locals.append(_local_names(node))
        for statement in body:
            self.visit(statement)
        self.locals.pop()
        self.in_class = saved

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expression)
        self.in_class += 1
        for statement in node.body:
            self.visit(statement)
        self.in_class -= 1


def _local_names(function: ast.AST) -> set[str]:
    """Names a function binds for itself (its parameters and assignments, not those it declares global)."""
    args = function.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
    declared: set[str] = set()
    for node in _own_nodes(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
    return names - declared


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, without those of functions and classes nested in it."""
    body = function.body if isinstance(function.body, list) else [function.body]
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _aliases(tree: ast.AST, imported: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    """Names assigned, anywhere in the tree, what an import provides (``T = threading.Thread``), and names
    assigned ``type(...)`` (the class of an object the student did not make)."""
    aliases: dict[str, str] = {}
    classes: set[str] = set()

    def path(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return aliases.get(node.id) or imported.get(node.id)
        if isinstance(node, ast.Attribute) and (base := path(node.value)):
            return f"{base}.{node.attr}"
        return None

    pairs = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.NamedExpr | ast.AnnAssign) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Tuple | ast.List) and isinstance(node.value, ast.Tuple | ast.List):
                    pairs += zip(target.elts, node.value.elts, strict=False)
                else:
                    pairs.append((target, node.value))
    for _ in range(3):  # aliases of aliases
        for target, value in pairs:
            if not isinstance(target, ast.Name):
                continue
            if (found := path(value)) is not None:
                aliases[target.id] = found
            elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "type":
                classes.add(target.id)
    return aliases, classes


def violations_of(tree: ast.AST, imported: dict[str, str]) -> list[Violation]:
    """What a parsed cell breaks, given the names earlier imports bound (``imported``)."""
    imported = {**imported, **imports_of(tree)}
    checker = _Checker(imported, *_aliases(tree, imported))
    checker.visit(tree)
    return sorted(set(checker.found), key=lambda v: (v.line, v.construct))


def violations(source: str, imported: dict[str, str] | None = None) -> list[Violation]:
    """What a cell's source breaks. ``imported``: names bound by imports in the notebook's other cells (a
    name the course's own cells imported, such as ``checks`` or ``sys``, is held to the same rules)."""
    tree = parse(source)
    return [] if tree is None else violations_of(tree, imported or {})


def statement() -> str:
    """The policy as students read it, in markdown (the chapters' exercise introductions show it)."""
    partly = "; ".join(f"`{m}`: {', '.join(f'`{a}`' for a in sorted(names))}"
                       for m, names in sorted(PARTLY_ALLOWED_MODULES.items()))
    return (
        "**What your answers may use.** Before any cell you wrote or changed runs, the grader reads it (it does "
        "not run it) and checks it against these rules; a cell that breaks one is not run and its exercise "
        "scores 0, with a message naming the line. No answer in this course needs to break them.\n\n"
        f"- Imports: {', '.join(f'`{m}`' for m in sorted(ALLOWED_MODULES))}, and their public parts; "
        f"from these only the names given: {partly}. The checks (`course.checks`) may be imported and their "
        "functions called, as the check cells do, and nothing else.\n"
        "- No code made from text (`exec`, `eval`, `compile`, `__import__`, `importlib`), no files or other "
        "programs (`open`, `subprocess`), no reaching into the interpreter or the notebook "
        "(`gc`, `ctypes`, `inspect` beyond the `is…` tests, `builtins`, frames, trace and audit hooks, "
        "`get_ipython`, IPython's history `In`, `Out`, `_`, `_i3`, …); no `setattr`, `delattr`, `vars`, "
        "`globals`, `locals` or `dir`, and `getattr`/`hasattr` only with the name written out "
        "(`getattr(obj, \"name\", None)`).\n"
        "- Dunder names only where Python calls them: define any `__method__` in your classes, call "
        "`super().__init__(...)`, read `fn.__name__`; not `__class__`, `__dict__`, `__globals__`, "
        "`__builtins__`, `__code__`, `__module__`, `__subclasses__`, … Private names (`_x`) of your own "
        "objects are fine; those of imported modules and classes are not.\n"
        "- No changing what an import provides (`threading.Lock = …`, `Thread.run = …`, `time.sleep = …`, also "
        "through another name for it): that would change it for the grader's checks too. Subclass instead.\n"
        "- Magics: only `%time`, `%timeit` and `%matplotlib`; no `!` shell commands.\n\n"
        "*Why:* the checks run in the same Python as your code, so code that could rewrite Python itself could "
        "also rewrite the checks. Cells of the released notebook that you left as they are are not checked."
    )
