"""Notice when student code tampers with the grading machinery inside the kernel.

A hidden test runs in the same Python process as the student's code, so a submission could make it pass
without earning it: patch the helpers in ``course.checks``, replace a builtin or a ``threading`` function
the checks rely on, or install an IPython hook that rewrites or skips later cells. ``arm`` runs before any
student code (``course.grading.kernel``): it imports the checks (and so every course module they use) and records
what the checks depend on.
Before and after every graded cell, the grader (``course.grading.robust_execute``) asks ``verdict`` what changed,
through a channel IPython's input hooks do not touch; a graded cell gets 0 when anything has.

The answer is signed with a key that only the grader and this module know (it arrives through a pipe),
so replacing ``verdict`` does not help: an unsigned or wrongly signed answer counts as tampering. Code
that studies this module and forges its answers from inside the kernel is not stopped; the README says so.

The verdict also says how each check a test cell called ended (``arm`` wraps every public function of
``course.checks``): the grader scores a test cell from that record, never from what the cell displayed.

Everything the kernel answers is data to the grader: ``sealed`` turns a value into base64 of its JSON (a str
whose repr is all the kernel may send back), and ``unseal`` full-matches that repr against a strict pattern,
bounds its size, decodes and ``json.loads`` it; nothing from the kernel is ever evaluated.
"""
from __future__ import annotations

import base64
import builtins
import contextlib
import functools
import hashlib
import hmac
import importlib
import inspect
import json
import pkgutil
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FunctionType, ModuleType
from typing import Any

__all__ = ["Verdict", "arm", "expression", "read_verdict", "sealed", "unseal", "verdict"]

MAX_REPLY_CHARS = 4_000_000  # the longest answer the grader reads from a kernel; anything longer is no answer
# The only text/plain a kernel's answer may be: the repr of sealed()'s str (a signature, then base64).
_SEALED = re.compile(r"'(?:(?P<mac>[0-9a-f]{64}):)?(?P<body>[A-Za-z0-9+/]*={0,2})'")
NO_ANSWER = "the grader's integrity check got no valid answer from the kernel (was it replaced?)"

# The standard modules the checks rely on; their functions, classes and the classes' methods are watched.
WATCHED_STDLIB = ("builtins", "threading", "_thread", "time", "queue", "multiprocessing", "concurrent.futures",
                  "asyncio", "os", "signal", "faulthandler", "traceback", "inspect", "functools", "gc")
# Hooks that libraries add legitimately while a notebook runs (matplotlib's inline backend, widgets).
TRUSTED_HOOK_MODULES = ("IPython", "ipykernel", "matplotlib", "matplotlib_inline", "ipywidgets", "comm")

_state: dict[str, Any] = {}


@dataclass
class Verdict:
    """What the guard reported: what changed in the grading machinery, and how each check called since the
    previous verdict ended, as ``(check name, passed, exception name, message)``."""

    problems: list[str]
    checks: list[tuple[str, bool, str, str]]


def arm(shell: Any, kernel: Any, key: bytes) -> None:
    """Import the checks and record the grading machinery as it is before student code runs."""
    _import_course()
    _state.update(main=threading.get_ident(), depth=0, checks=[], originals=_record_checks())
    _state.update(shell=shell, kernel=kernel, mac=hmac.new(key, digestmod=hashlib.sha256),
                  watched=_routes(_watched(shell, kernel)), hooks=_hooks(shell), bound=_bound(shell, kernel))


def verdict(nonce: str, names: tuple[str, ...] = ()) -> str:
    """What changed since ``arm`` (and which of ``names``, used by the next test, are shadowed), and the checks
    called since the last verdict, sealed and signed; starts a new record of checks."""
    checks, _state["checks"] = _state["checks"], []
    return sealed({"problems": _changes() + _shadowed(names), "checks": checks}, _state["mac"].copy(), nonce)


def sealed(value: Any, mac: Any = None, nonce: str = "") -> str:
    """``value`` as the grader reads answers: base64 of its JSON, after the signature ``mac`` gives it."""
    body = base64.b64encode(json.dumps(value).encode()).decode("ascii")
    if mac is None:
        return body
    mac.update(f"{nonce}\n{body}".encode())
    return f"{mac.hexdigest()}:{body}"


def unseal(reply: Any, key: bytes | None = None, nonce: str = "") -> Any:
    """The value in a kernel's answer to a user expression, or None unless the answer is exactly what
    ``sealed`` makes (signed with ``key`` for ``nonce``, if given). Grader side: data only, never raises."""
    try:
        text = reply["data"]["text/plain"]
    except (TypeError, KeyError, IndexError):
        return None
    if not isinstance(text, str) or len(text) > MAX_REPLY_CHARS or not (match := _SEALED.fullmatch(text)):
        return None
    if key is not None:
        expected = hmac.new(key, f"{nonce}\n{match['body']}".encode(), hashlib.sha256).hexdigest()
        if not match["mac"] or not hmac.compare_digest(match["mac"], expected):
            return None
    try:
        return json.loads(base64.b64decode(match["body"], validate=True))
    except (ValueError, RecursionError):  # not base64, not UTF-8, not JSON, or nested past the parser's limit
        return None


def expression(nonce: str, names: tuple[str, ...]) -> str:
    """The user expression the grader sends: it names the module fully, so no user variable is involved."""
    return f"__import__('course.grading.guard').grading.guard.verdict({nonce!r}, {names!r})"


def read_verdict(key: bytes, nonce: str, reply: Any) -> Verdict:
    """The verdict in a kernel's answer, checked against its signature and shape (grader side; never raises):
    anything else means the channel itself was tampered with."""
    value = unseal(reply, key, nonce)
    if isinstance(value, dict) and set(value) == {"problems", "checks"}:
        problems, checks = value["problems"], value["checks"]
        if (isinstance(problems, list) and all(isinstance(p, str) for p in problems) and isinstance(checks, list)
                and all(_is_check_outcome(c) for c in checks)):
            return Verdict(problems, [tuple(c) for c in checks])
    return Verdict([NO_ANSWER], [])


def _is_check_outcome(outcome: Any) -> bool:
    return (isinstance(outcome, list) and len(outcome) == 4 and isinstance(outcome[1], bool)
            and all(isinstance(outcome[i], str) for i in (0, 2, 3)))


def _record_checks() -> dict[str, tuple[FunctionType, Any]]:
    """Wrap every public function of ``course.checks`` so that it records how it ended; return the originals
    with their code (a test could be silenced by replacing a wrapped function's code)."""
    originals = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("course.checks."):
            for attr, value in list(vars(module).items()):
                if isinstance(value, FunctionType) and not attr.startswith("_") and value.__module__ == name:
                    setattr(module, attr, _recording(value))
                    originals[f"{name}.{attr}"] = (value, value.__code__)
    return originals


def _recording(check: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(check):
        @functools.wraps(check)
        async def recorded_coroutine(*args: Any, **kwargs: Any) -> Any:
            with _recorded(check.__name__):
                return await check(*args, **kwargs)
        return recorded_coroutine

    @functools.wraps(check)
    def recorded(*args: Any, **kwargs: Any) -> Any:
        with _recorded(check.__name__):
            return check(*args, **kwargs)
    return recorded


@contextlib.contextmanager
def _recorded(name: str) -> Iterator[None]:
    """Record how a check ended, when the test cell itself called it: an outermost call in the main thread
    (a check that calls another, or student code in other threads calling one, records nothing)."""
    if threading.get_ident() != _state["main"] or _state["depth"]:
        yield
        return
    _state["depth"] = 1
    try:
        yield
    except BaseException as error:
        _state["checks"].append([name, False, type(error).__name__, _message(error)])
        raise
    else:
        _state["checks"].append([name, True, "", ""])
    finally:
        _state["depth"] = 0


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # noqa: BLE001 -- a student's exception whose __str__ fails still fails the check
        return f"(a {type(error).__name__} whose message could not be shown)"


def _import_course() -> None:
    """Import the check modules, and so every course module a check relies on. The notebooks' drawing and
    widget modules (matplotlib, ipywidgets) are left for the notebook to import: no verdict depends on them,
    and importing them would cost every graded kernel most of its start-up time."""
    import course.checks

    for module in pkgutil.iter_modules(course.checks.__path__, "course.checks."):
        importlib.import_module(module.name)


def _watched(shell: Any, kernel: Any) -> dict[str, Any]:
    """Name → object for everything whose replacement could change a verdict."""
    watched: dict[str, Any] = {}
    for name, module in list(sys.modules.items()):
        if name == "course" or name.startswith("course.") or name in WATCHED_STDLIB:
            watched[f"sys.modules[{name!r}]"] = module
            _watch_namespace(watched, name, vars(module), everything=name.startswith("course"))
    for obj in (shell, kernel):
        for cls in type(obj).__mro__[:-1]:
            _watch_namespace(watched, f"{cls.__module__}.{cls.__qualname__}", vars(cls), everything=False)
    watched["kernel.shell_handlers"] = kernel.shell_handlers
    for handler, method in kernel.shell_handlers.items():
        watched[f"kernel.shell_handlers[{handler!r}]"] = method
    return watched


def _watch_namespace(watched: dict[str, Any], prefix: str, namespace: dict[str, Any], everything: bool) -> None:
    """Record a namespace's callables (and, for course modules, every value), with functions' code."""
    for attr, value in list(namespace.items()):
        if (attr.startswith("__") and attr != "__import__") or attr == "_":  # _ is IPython's last result
            continue
        if everything or callable(value) or isinstance(value, (ModuleType, staticmethod, classmethod)):
            watched[f"{prefix}.{attr}"] = value
        if isinstance(value, FunctionType):
            watched[f"{prefix}.{attr}.__code__"] = value.__code__
        if isinstance(value, type) and value.__module__ == prefix:
            _watch_namespace(watched, f"{prefix}.{attr}", vars(value), everything=False)


def _bound(shell: Any, kernel: Any) -> dict[str, Any]:
    """Methods overridden on the shell and kernel instances themselves (where ``shell.run_cell = …`` would go)."""
    return {f"{label}.{attr}": value for obj, label in ((shell, "the IPython shell"), (kernel, "the kernel"))
            for attr, value in vars(obj).items() if callable(value) and callable(getattr(type(obj), attr, None))}


def _hooks(shell: Any) -> dict[str, list[Any]]:
    """IPython's input and AST transformers and event callbacks: where a hook could rewrite or skip a cell."""
    manager = shell.input_transformer_manager
    hooks = {
        "input_transformers_cleanup": shell.input_transformers_cleanup,
        "input_transformers_post": shell.input_transformers_post,
        "input_transformer_manager.line_transforms": manager.line_transforms,
        "input_transformer_manager.token_transformers": manager.token_transformers,
        "ast_transformers": shell.ast_transformers,
    }
    hooks |= {f"events[{event!r}]": callbacks for event, callbacks in shell.events.callbacks.items()}
    return {name: list(found) for name, found in hooks.items()}


def _changes() -> list[str]:
    watched, shell, kernel = _state["watched"], _state["shell"], _state["kernel"]
    problems = []
    for owner, entries in watched.items():
        namespace = _namespace(owner, kernel)
        for name, attr, code, value in entries:
            current = namespace.get(attr)
            if (getattr(current, "__code__", None) if code else current) is not value:
                problems.append(f"{name} was replaced")
    for name, before in _state["hooks"].items():
        added = [hook for hook in _hooks(shell).get(name, []) if hook not in before and not _trusted(hook)]
        problems += [f"an IPython hook was added to {name}: {_describe(hook)}" for hook in added]
    bound = _state["bound"]
    problems += [f"{name} was set" for name, value in _bound(shell, kernel).items() if bound.get(name) is not value]
    if sys.gettrace() is not None or sys.getprofile() is not None:
        problems.append("a trace or profile function (sys.settrace / sys.setprofile) is installed")
    problems += [f"the code of {name} was replaced" for name, (check, code) in _state["originals"].items()
                 if check.__code__ is not code]
    return problems


# Where a watched object lives: ("sys.modules" | "handlers" | "kernel" | "attribute", module, classes on the way).
Owner = tuple[str, str | None, tuple[str, ...]]


def _routes(watched: dict[str, Any]) -> dict[Owner, list[tuple[str, str, bool, Any]]]:
    """The watched objects grouped by the namespace that holds them, each as (name, attribute, whether it is the
    function's ``__code__``, object). Worked out once when the guard is armed, so that a verdict looks each
    namespace up once and then only reads dictionaries: parsing the 3 600 names at every verdict cost 10 ms."""
    groups: dict[Owner, list[tuple[str, str, bool, Any]]] = {}
    for name, value in watched.items():
        owner, attr, code = _route(name)
        groups.setdefault(owner, []).append((name, attr, code, value))
    return groups


def _route(name: str) -> tuple[Owner, str, bool]:
    """Where the object ``_watched`` recorded as ``name`` is found again: its owner, attribute and code flag."""
    if name == "kernel.shell_handlers":
        return ("kernel", None, ()), "shell_handlers", False
    for kind, prefix in (("sys.modules", "sys.modules['"), ("handlers", "kernel.shell_handlers['")):
        if name.startswith(prefix):
            return (kind, None, ()), name[len(prefix):-2], False
    path = name.removesuffix(".__code__")
    head, _, attr = path.rpartition(".")
    parts = head.split(".")
    for split in range(len(parts), 0, -1):  # the longest prefix that names a module; the rest are its classes
        if ".".join(parts[:split]) in sys.modules:
            return ("attribute", ".".join(parts[:split]), tuple(parts[split:])), attr, path != name
    return ("attribute", None, ()), attr, path != name


def _namespace(owner: Owner, kernel: Any) -> Any:
    """The namespace that holds an owner's watched objects today (empty when the owner itself is gone)."""
    kind, module, classes = owner
    if kind == "sys.modules":
        return sys.modules
    if kind == "handlers":
        return kernel.shell_handlers
    if kind == "kernel":
        return {"shell_handlers": kernel.shell_handlers}
    found = sys.modules.get(module) if module is not None else None
    for part in classes:
        found = vars(found).get(part) if found is not None else None
    return vars(found) if found is not None else {}


def _shadowed(names: tuple[str, ...]) -> list[str]:
    """Names the next test uses that student code rebound to impostors: builtins, modules, course helpers."""
    user_ns = _state["shell"].user_ns
    problems = []
    for name in names:
        if name not in user_ns:
            continue
        value = user_ns[name]
        if hasattr(builtins, name) and value is not getattr(builtins, name):
            problems.append(f"the builtin {name} was redefined; the test uses it (rename your variable)")
        elif isinstance(value, ModuleType) and sys.modules.get(value.__name__) is not value:
            problems.append(f"{name} is not the real module {value.__name__}")
        elif str(getattr(value, "__module__", "")).startswith("course"):
            owner: Any = sys.modules.get(value.__module__)
            for part in str(getattr(value, "__qualname__", "")).split("."):
                owner = getattr(owner, part, None)
            if owner is not value:
                problems.append(f"{name} claims to come from {value.__module__} but is not the course's own")
    return problems


def _trusted(hook: Any) -> bool:
    module = getattr(getattr(hook, "__func__", hook), "__module__", None) or type(hook).__module__
    return module.split(".")[0] in TRUSTED_HOOK_MODULES


def _describe(hook: Any) -> str:
    return getattr(hook, "__qualname__", None) or type(hook).__qualname__
