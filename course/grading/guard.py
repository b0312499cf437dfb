"""Notice when student code tampers with the grading machinery inside the kernel.

A hidden test runs in the same Python process as the student's code, so a submission could make it pass
without earning it: patch the helpers in ``course.checks``, replace a builtin or a ``threading`` function
the checks rely on, or install an IPython hook that rewrites or skips later cells. ``arm`` runs before any
student code (``course.grading.kernel``): it imports the course's modules and records what the checks depend on.
Before and after every graded cell, the grader (``course.grading.robust_execute``) asks ``verdict`` what changed,
through a channel IPython's input hooks do not touch; a graded cell gets 0 when anything has.

The answer is signed with a key that only the grader and this module know (it arrives through a pipe),
so replacing ``verdict`` does not help: an unsigned or wrongly signed answer counts as tampering. Code
that studies this module and forges its answers from inside the kernel is not stopped; the README says so.
"""
from __future__ import annotations

import builtins
import hashlib
import hmac
import importlib
import json
import pkgutil
import sys
from types import FunctionType, ModuleType
from typing import Any

__all__ = ["arm", "expression", "read_verdict", "verdict"]

# The standard modules the checks rely on; their functions, classes and the classes' methods are watched.
WATCHED_STDLIB = ("builtins", "threading", "_thread", "time", "queue", "multiprocessing", "concurrent.futures",
                  "asyncio", "os", "signal", "faulthandler", "traceback", "inspect", "functools", "gc")
# Hooks that libraries add legitimately while a notebook runs (matplotlib's inline backend, widgets).
TRUSTED_HOOK_MODULES = ("IPython", "ipykernel", "matplotlib", "matplotlib_inline", "ipywidgets", "comm")

_state: dict[str, Any] = {}


def arm(shell: Any, kernel: Any, key: bytes) -> None:
    """Import the course's modules and record the grading machinery as it is before student code runs."""
    _import_course()
    _state.update(shell=shell, kernel=kernel, mac=hmac.new(key, digestmod=hashlib.sha256),
                  watched=_watched(shell, kernel), hooks=_hooks(shell), bound=_bound(shell, kernel))


def verdict(nonce: str, names: tuple[str, ...] = ()) -> str:
    """What changed since ``arm`` (and which of ``names``, used by the next test, are shadowed), signed."""
    problems = _changes() + _shadowed(names)
    body = json.dumps(problems)
    mac = _state["mac"].copy()
    mac.update(f"{nonce}\n{body}".encode())
    return f"{mac.hexdigest()}\n{body}"


def expression(nonce: str, names: tuple[str, ...]) -> str:
    """The user expression the grader sends: it names the module fully, so no user variable is involved."""
    return f"__import__('course.grading.guard').grading.guard.verdict({nonce!r}, {names!r})"


def read_verdict(key: bytes, nonce: str, reply: dict[str, Any] | None) -> list[str]:
    """The problems a kernel reported, checked against its signature (grader side; never raises)."""
    try:
        text = eval(reply["data"]["text/plain"], {"__builtins__": {}})  # a str's repr, from _format_user_obj
        mac, body = text.split("\n", 1)
        expected = hmac.new(key, f"{nonce}\n{body}".encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(mac, expected):
            return json.loads(body)
    except Exception:  # any malformed answer means the channel itself was tampered with
        pass
    return ["the grader's integrity check got no valid answer from the kernel (was it replaced?)"]


def _import_course() -> None:
    import course

    for module in pkgutil.walk_packages(course.__path__, "course."):
        if module.name != "course.__main__":
            try:
                importlib.import_module(module.name)
            except ImportError:  # grader-side modules (nbgrader, nbclient) are not installed in the kernel
                pass


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
    now = {"kernel.shell_handlers": kernel.shell_handlers}
    problems = [f"{name} was replaced" for name, value in watched.items() if _current(name, now) is not value]
    for name, before in _state["hooks"].items():
        added = [hook for hook in _hooks(shell).get(name, []) if hook not in before and not _trusted(hook)]
        problems += [f"an IPython hook was added to {name}: {_describe(hook)}" for hook in added]
    bound = _state["bound"]
    problems += [f"{name} was set" for name, value in _bound(shell, kernel).items() if bound.get(name) is not value]
    if sys.gettrace() is not None or sys.getprofile() is not None:
        problems.append("a trace or profile function (sys.settrace / sys.setprofile) is installed")
    return problems


def _current(name: str, now: dict[str, Any]) -> Any:
    """Look ``name`` (as recorded by ``_watched``) up again, today."""
    if name in now:
        return now[name]
    if name.startswith("sys.modules["):
        return sys.modules.get(name[len("sys.modules['"):-2])
    if name.startswith("kernel.shell_handlers["):
        return now["kernel.shell_handlers"].get(name[len("kernel.shell_handlers['"):-2])
    code = name.endswith(".__code__")
    path = name.removesuffix(".__code__")
    owner, attr = _owner(path)
    value = vars(owner).get(attr) if owner is not None else None
    return getattr(value, "__code__", None) if code else value


def _owner(path: str) -> tuple[Any, str]:
    """The module or class that holds the last attribute of a dotted ``path``, and that attribute's name."""
    head, _, attr = path.rpartition(".")
    for split in range(head.count(".") + 1, 0, -1):
        module_name = ".".join(head.split(".")[:split])
        if module_name in sys.modules:
            owner: Any = sys.modules[module_name]
            for part in head.split(".")[split:]:
                owner = vars(owner).get(part)
            return owner, attr
    return None, attr


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
