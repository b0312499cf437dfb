"""The grading policy (course/grading/policy.py): each rule refuses what it is for, no honest answer of the course
trips it, and the preprocessor refuses a cell and its exercise's checks without running anything."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from course.grading import autograde as ag
from course.grading import policy
from course.grading.policy_check import PolicyCheck, refusal

REPO = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).parent / "hostile"


def _solution_cells(notebook: Path, role: str = "solution") -> list[tuple[str, str]]:
    return [(f"{notebook.name}:{cell.metadata['nbgrader']['grade_id']}", cell.source)
            for cell in nbformat.read(notebook, as_version=4).cells
            if cell.metadata.get("nbgrader", {}).get(role)]


def _released_imports(chapter: str) -> dict[str, str]:
    """What the released notebook's own cells import (``checks``, ``sys``, ...): answers are read with it."""
    imported: dict[str, str] = {}
    for cell in nbformat.read(REPO / "release" / chapter / f"{chapter}.ipynb", as_version=4).cells:
        if cell.cell_type == "code" and (tree := policy.parse(cell.source)) is not None:
            imported |= policy.imports_of(tree)
    return imported


def _honest_answers() -> list[tuple[str, str, str]]:
    """(chapter, where, source) of every right answer, reference solution, released starter code, and released
    check cell (a student may paste one, or rerun a visible check in a cell of their own)."""
    found = []
    for chapter in ag.chapters():
        found += [(chapter, str(p.relative_to(REPO)), p.read_text())
                  for p in sorted((REPO / "tests" / "submissions" / chapter).glob("*/right/*.py"))]
        for folder in ("source", "release"):
            found += [(chapter, f"{folder}/{where}", source)
                      for where, source in _solution_cells(REPO / folder / chapter / f"{chapter}.ipynb")]
        found += [(chapter, f"release/{where}", source)
                  for where, source in _solution_cells(REPO / "release" / chapter / f"{chapter}.ipynb", "grade")]
    return found


def test_no_honest_answer_trips_the_policy() -> None:
    answers = _honest_answers()
    assert len(answers) > 100  # every chapter's right answers, solutions and starters were found
    tripped = {where: [str(v) for v in policy.violations(source, _released_imports(chapter))]
               for chapter, where, source in answers}
    assert {where: found for where, found in tripped.items() if found} == {}


# One snippet per rule, and the construct the message must name.
VIOLATIONS = {
    "import outside the allowlist": ("import ctypes", "`import ctypes` — the grader allows only these imports"),
    "from-import outside the allowlist": ("from gc import get_objects", "`from gc import get_objects`"),
    "the checks passed along": ("from course.checks import ch04_threads\nrun(ch04_threads)", "`ch04_threads` — the course's"),
    "a check read, not called": ("hook = checks.check_counts", "`checks.check_counts` — the course's checks may only"),
    "a module the checks import": ("from course.checks.ch06_coroutines import inspect", "of inspect the grader"),
    "a private part of the checks": ("checks._helper()", "`checks._helper`"),
    "the course's grading machinery": ("import course.grading.guard", "`import course.grading.guard`"),
    "importlib": ("import importlib\nimportlib.import_module('gc')", "`import importlib`"),
    "exec": ("exec('x = 1')", "`exec` — the grader does not allow this name: it runs text as code"),
    "eval inside a function": ("def f():\n    return eval('1')", "line 2: `eval`"),
    "compile passed along": ("run = [compile]", "`compile`"),
    "__import__": ("__import__('gc')", "`__import__`"),
    "sys beyond its allowlist": ("import sys\nsys.addaudithook(print)", "`sys.addaudithook` — of sys the grader allows only"),
    "sys used whole": ("import sys\nmodules = sys", "line 2: `sys` — of sys the grader allows only"),
    "from sys import of a hook": ("from sys import settrace", "`from sys import settrace`"),
    "a trace hook through threading": ("import threading\nthreading.settrace(print)", "`threading.settrace`"),
    "inspect beyond its is-tests": ("import inspect\ninspect.currentframe()", "`inspect.currentframe`"),
    "builtins": ("import builtins", "`import builtins`"),
    "get_ipython": ("get_ipython().set_custom_exc((AssertionError,), print)", "`get_ipython`"),
    "IPython": ("from IPython.core.interactiveshell import InteractiveShell", "`from IPython.core.interactiveshell"),
    "jupyter_client": ("import jupyter_client.session", "`import jupyter_client.session`"),
    "IPython's input history": ("print(In[-1])", "`In` — the grader does not allow this name: it reads the notebook's history"),
    "IPython's _ih": ("hidden = _ih", "`_ih`"),
    "IPython's numbered input": ("print(_i7)", "`_i7`"),
    "IPython's last output": ("print(_)", "`_`"),
    "getattr with a computed name": ("name = 'x'\ngetattr(object, name)", "`getattr`"),
    "getattr with a dunder": ("getattr(f, '__globals__')", "`f.__globals__` — the grader does not allow this dunder"),
    "setattr": ("setattr(run_pipeline, '__module__', 'course.workloads')", "`setattr`"),
    "vars": ("vars(object)", "`vars` — the grader does not allow this name: it reaches a namespace"),
    "globals": ("globals()['x'] = 1", "`globals`"),
    "open": ("open('/etc/passwd')", "`open`"),
    "__class__": ("x = [].__class__", "`[].__class__` — the grader does not allow this dunder attribute"),
    "__subclasses__": ("object.__subclasses__()", "`object.__subclasses__`"),
    "a namespace's own __builtins__": ("__builtins__.print = None", "`__builtins__`"),
    "a forged __module__": ("def f():\n    pass\nf.__module__ = 'course.workloads'", "`f.__module__` — the grader"),
    "a __module__ copied by functools.wraps": ("from functools import wraps", "`from functools import wraps`"),
    "a __module__ given to namedtuple": ("import collections\ncollections.namedtuple('T', 'a', module='threading')",
                                         "`module='threading'`"),
    "a __module__ in a type() namespace": ("T = type('T', (), {'__module__': 'threading'})", "`'__module__'`"),
    "a renamed notebook module": ("__name__ = 'course.workloads'", "`__name__` — the grader does not allow renaming"),
    "a class body's forged __module__": ("class T:\n    __module__ = 'threading'", "`__module__`"),
    "a module-level dunder function": ("def __getattr__(name):\n    return None", "`def __getattr__`"),
    "frames of a coroutine": ("def f(c):\n    return c.cr_frame.f_globals", "`c.cr_frame`"),
    "a raw pickle": ("def f(conn):\n    conn.send_bytes(b'')", "`conn.send_bytes`"),
    "a private part of an import": ("import threading\nthreading._active.clear()", "`threading._active.clear` — the grader"),
    "patching a module": ("import threading\nthreading.Lock = threading.RLock", "`threading.Lock` — assigning to"),
    "patching an imported class": ("from threading import Thread\nThread.run = print", "`Thread.run` — assigning to"),
    "patching through an alias": ("import time\nclock = time\nclock.sleep = print", "`clock.sleep` — assigning to"),
    "patching a local alias": ("import threading\ndef f():\n    T = threading.Thread\n    T.start = print", "4: `T.start`"),
    "patching a class reached by type()": ("def f(t):\n    type(t).run = print", "`type(t).run` — assigning to an"),
    "deleting from a module": ("import queue\ndel queue.Queue", "`queue.Queue` — deleting what an import provides"),
    "patching the notebook's own import": ("checks.check_counts = print", "`checks.check_counts`"),
    "code in a string annotation": ("x: 'eval(\"1\")' = 1", "`eval`"),
    "a shell command": ("!ls", "`get_ipython`"),
    "a magic that runs other code": ("%run other.py", "`%run` — the grader allows only the magics"),
    "code timed by %time": ("%time import gc", "`import gc`"),
    "sys through an allowed module's imports": ("import contextlib\ncontextlib.sys.modules", "of sys the grader"),
    "a module imported from an allowed one": ("from course.coroutines import subprocess", "`from course.coroutines"),
    "programs through asyncio": ("import asyncio\nasyncio.create_subprocess_shell('ls')", "`asyncio.create_subprocess_shell`"),
    "raw pickles through multiprocessing": ("from multiprocessing import reduction", "it runs other programs or unpickles"),
    "code in a typing.ForwardRef": ("import typing\ntyping.ForwardRef('x')", "`typing.ForwardRef`"),
    "code after a top-level await": ("import asyncio\nawait asyncio.sleep(0)\nimport gc", "`import gc`"),
    "a future that changes the grammar": ("from __future__ import barry_as_FLUFL", "`from __future__ import barry_as_FLUFL`"),
    "a relative import": ("from . import guard", "relative imports"),
    "a star import": ("from threading import *", "`from threading import *`"),
}


@pytest.mark.parametrize("rule", VIOLATIONS)
def test_each_rule_refuses_what_it_is_for(rule: str) -> None:
    source, message = VIOLATIONS[rule]
    found = [str(v) for v in policy.violations(source, {"checks": "course.checks.ch04_threads"})]
    assert any(message in v for v in found), found
    assert all(v.startswith("line ") for v in found)


HONEST = {
    "the allowed modules": "import threading, queue, time, asyncio, multiprocessing\n"
                           "from concurrent.futures import ThreadPoolExecutor",
    "course's student-facing helpers": "from course.workloads import nothing\nfrom course import scheduling",
    "own private attributes": "class C:\n    def __init__(self):\n        self._lock = None\n"
                              "    def f(self, other):\n        return other._lock",
    "dunder methods and super": "class C(Exception):\n    __slots__ = ()\n    def __init__(self):\n"
                                "        super().__init__()\n    def __enter__(self):\n        return self\n"
                                "    def __exit__(self, *exc):\n        return None",
    "a function's name": "def name_of(task):\n    return task.__name__",
    "postponed annotations": "from __future__ import annotations\ndef f(x: int) -> list[int]:\n    return [x]",
    "the main guard": "if __name__ == '__main__':\n    pass",
    "a visible check called": "from course.checks import ch04_threads as mine\nmine.check_counts(1)\n"
                              "checks.check_pipeline(run_pipeline, seconds=5)",
    "a throwaway loop variable": "for _ in range(3):\n    pass\nfirst, _ = 1, 2",
    "an allowed sys attribute": "import sys\nsys.exit('done')",
    "an allowed inspect test": "import inspect\nfrom types import GeneratorType\ninspect.isgenerator(GeneratorType)",
    "getattr with a plain literal": "getattr(object, 'mro_entries', None)",
    "writing the student's own objects": "def move(source, target):\n    source.balance -= 1\n    target.balance += 1\n"
                                         "    box = [0]\n    box[0] = 1",
    "a parameter named like a notebook import": "def f(checks):\n    checks.append(1)\n    return checks",
    "timing magics": "%timeit -n 3 sum(range(10))\n%time x = 1\n%matplotlib inline",
    "a subclass of an imported class": "import threading\nclass Worker(threading.Thread):\n    def run(self):\n        pass",
    "a syntax error (it fails in the kernel too)": "def f(:\n    pass",
}


@pytest.mark.parametrize("case", HONEST)
def test_honest_code_passes(case: str) -> None:
    assert policy.violations(HONEST[case], {"checks": "course.checks.ch04_threads"}) == []


def test_the_statement_names_every_allowed_module() -> None:
    text = policy.statement()
    assert all(f"`{module}`" in text for module in policy.ALLOWED_MODULES | policy.PARTLY_ALLOWED_MODULES.keys())
    assert "`exec`" in text and "`__class__`" in text and "`threading.Lock = …`" in text


def test_the_runtime_hazards_of_the_hostile_corpus_are_refused_too() -> None:
    """tests/test_hostile.py grades these with the policy off, to reach the defences behind it; here, that the
    policy alone would have stopped each of them."""
    for name in ("fork_storm.py", "gevent_patch_all.py", "ignores_interrupt.py", "leftovers.py", "os_exit.py"):
        assert policy.violations((HOSTILE / name).read_text()), name


def _check(tmp_path: Path, changes: dict[int, str], monkeypatch: pytest.MonkeyPatch,
           added: tuple[int, str] | None = None) -> tuple[list, dict[int, str]]:
    """Run PolicyCheck over Chapter 4's full notebook (as OverwriteCells leaves it) with ``changes`` to cells
    and a cell ``added`` (at an index, with a source)."""
    monkeypatch.delenv("COURSE_ISOLATION", raising=False)
    chapter = "ch04_threads"
    release = tmp_path / "release" / chapter
    release.mkdir(parents=True)
    shutil.copy(REPO / "release" / chapter / f"{chapter}.ipynb", release)
    nb = nbformat.read(REPO / "source" / chapter / f"{chapter}.ipynb", as_version=4)
    for index, source in changes.items():
        nb.cells[index].source = source
    if added:
        nb.cells.insert(added[0], nbformat.v4.new_code_cell(added[1]))
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"assignment": chapter, "notebook": chapter, "student": "someone"}}
    _, resources = PolicyCheck(config=config).preprocess(nb, resources)
    return nb.cells, {i: refusal(resources, i).evalue for i in range(len(nb.cells)) if refusal(resources, i)}


def _index(cells: list, grade_id: str) -> int:
    return next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_a_refused_cell_costs_its_exercise_and_nothing_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cells, _ = _check(tmp_path / "a", {}, monkeypatch)
    damaged = ag.exercises("ch04_threads")[1]
    solution = _index(cells, damaged.solution_ids[0])
    cells, refused = _check(tmp_path / "b", {solution: "import gc\n\ndef run_pipeline(items, worker):\n    return []"},
                            monkeypatch)
    assert "this cell breaks the grading policy: line 1: `import gc`" in refused.pop(solution)
    for grade_id in damaged.grade_ids:
        assert "0 points" in (message := refused.pop(_index(cells, grade_id))) and "`import gc`" in message
    assert refused == {}  # the other exercises' cells, and the lesson's own imports (gc, sys, ...), run as usual


def test_an_added_or_edited_cell_is_checked_and_an_unchanged_one_is_not(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cells, _ = _check(tmp_path / "a", {}, monkeypatch)
    lesson = next(i for i, c in enumerate(cells) if c.cell_type == "code" and not c.metadata.get("nbgrader"))
    last = ag.exercises("ch04_threads")[-1]
    after_last_solution = _index(cells, last.solution_ids[0]) + 1
    cells, refused = _check(tmp_path / "b", {lesson: cells[lesson].source + "\nimport gc"}, monkeypatch,
                            added=(after_last_solution, "print(_ih)"))
    assert "`import gc`" in refused.pop(lesson)  # before the first exercise: not run, and costs no exercise
    assert "`_ih`" in refused.pop(after_last_solution)
    assert sorted(refused) == sorted(_index(cells, g) for g in last.grade_ids)


def test_the_policy_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cells, _ = _check(tmp_path / "a", {}, monkeypatch)
    solution = _index(cells, ag.exercises("ch04_threads")[1].solution_ids[0])
    monkeypatch.setenv("COURSE_POLICY", "off")
    assert _check(tmp_path / "b", {solution: "import gc"}, monkeypatch)[1] == {}


def test_every_chapter_states_the_current_policy_where_its_exercises_start(chapter: str) -> None:
    import nbformat

    from course.grading import autograde as ag
    from course.grading.policy_text import cell_source, policy_cell_index

    nb = nbformat.read(ag.source_notebook(chapter), as_version=4)
    index = policy_cell_index(nb)
    assert index is not None and nb.cells[index].source == cell_source(), (
        f"{chapter} does not state the current grading policy: run python -m course.grading.policy_text, "
        f"then nbgrader generate_assignment {chapter} --force")
    assert nb.cells[index - 1].source.startswith("## Exercises"), f"{chapter}: the policy belongs right after ## Exercises"
