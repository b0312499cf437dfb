"""The hostile-submission corpus: every answer in tests/hostile/ gets a clear, correct outcome in bounded
time, leaves nothing running, and leaves the gradebook consistent.

Each file replaces the answer to Exercise 2 of Chapter 4; Exercise 1 is answered correctly before it,
Exercises 3 and 4 after it. The corpus is graded into real course folders by the instructor's parallel grader
(``course.grading.parallel_grading``), with the grading policy, the sandbox and the guard on, as a grading server
would; the answers the policy refuses only because they would harm the machine (kill or hang the kernel, leave
processes behind) or attack the sandbox's isolation (look for a course copy or an earlier student's files, leave
files behind, use the network) are graded with the policy off, to reach the defences behind it; the answers that reach around
the guard (``escape_*``, refused by the policy) are graded by a test of their own. The tampering answers are
graded once more with all of it off, to show that each attack would have earned the points it is refused.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import nbformat
import pytest

from course.grading import autograde as ag
from course.grading import parallel_grading as pg

# nbgrader 0.9.6 adds submissions in a way SQLAlchemy 2.1 warns about; the graders run in forks of this process.
# The corpus's sleepers and files carry one marker, so its tests must not run beside each other.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile"),
              pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]

CHAPTER = "ch04_threads"
HOSTILE = Path(__file__).parent / "hostile"
CELL_TIMEOUT = 8
# What the cells after the damage say (None: the kernel survives and they keep full marks), and a piece
# of text that the damaged exercise's cells must show, so the student can see what happened.
EXPECTED: dict[str, tuple[str | None, str]] = {
    "infinite_loop.py": (None, "Where each thread your code started was"),
    "deadlock.py": (None, "is at:"),
    "stuck_threads.py": (None, "thread 'takes second then first' is at:"),
    "fork_storm.py": (None, "run_pipeline' is not defined"),
    "memory_hog.py": (None, "MemoryError"),
    "enormous_output.py": (None, "output cut"),
    "leftovers.py": (None, "run_pipeline' is not defined"),
    "sys_exit.py": (None, "SystemExit"),
    "os_exit.py": ("kernel died", "KernelDied"),
    "ignores_interrupt.py": ("ignored the interrupt", "KernelHung"),
    "gevent_patch_all.py": ("ignored the interrupt", "KernelHung"),
    "tamper_patch_checks.py": (None, "PolicyViolation"),
    "tamper_fake_import.py": (None, "PolicyViolation"),
    "tamper_input_transformer.py": (None, "PolicyViolation"),
    "tamper_run_cell.py": (None, "PolicyViolation"),
    "tamper_forge_guard.py": (None, "PolicyViolation"),
    # what the guard could not see, refused by the policy before it runs (issue 14's list)
    "escape_audit_hook.py": (None, "PolicyViolation"),
    "escape_audit_hook_imported.py": (None, "PolicyViolation"),
    "escape_class_patch_ipython.py": (None, "PolicyViolation"),
    "escape_class_patch_jupyter_client.py": (None, "PolicyViolation"),
    "escape_custom_exception_handler.py": (None, "PolicyViolation"),
    "escape_custom_exception_handler_attribute.py": (None, "PolicyViolation"),
    "escape_forge_guard_gc.py": (None, "PolicyViolation"),
    "escape_forge_guard_gc_referrers.py": (None, "PolicyViolation"),
    "escape_forged_module.py": (None, "PolicyViolation"),
    "escape_forged_module_class.py": (None, "PolicyViolation"),
    "escape_history_ih.py": (None, "PolicyViolation"),
    "escape_history_in.py": (None, "PolicyViolation"),
    "escape_ipython_compiler.py": (None, "PolicyViolation"),
    "escape_ipython_compiler_flags.py": (None, "PolicyViolation"),
    "escape_kernel_send.py": (None, "PolicyViolation"),
    "escape_kernel_send_error.py": (None, "PolicyViolation"),
    "escape_module_class.py": (None, "PolicyViolation"),
    "escape_module_class_notebook_name.py": (None, "PolicyViolation"),
    "escape_own_builtins.py": (None, "PolicyViolation"),
    "escape_own_builtins_dict.py": (None, "PolicyViolation"),
    "escape_patch_during_check.py": (None, "PolicyViolation"),
    "escape_patch_threading_during_check.py": (None, "PolicyViolation"),
    # isolation (course/grading/sandbox.py): a course copy elsewhere, scratch folders, the network
    "steal_course_copy.py": (None, "no copy of the course found"),
    "steal_via_proc.py": (None, "no copy of the course found"),
    "steal_submissions.py": (None, "no other student's notebook found"),
    "drop_answer_in_scratch.py": (None, "left an answer in /tmp"),
    "pick_up_leftovers.py": (None, "no earlier student's answer found"),
    "late_writer.py": (None, "a writer runs on"),
    "network_download_answer.py": (None, "no network:"),
    "network_reach_grader.py": (None, "reached 0 listening ports"),
}
# The policy refuses these too (tests/test_policy.py); they are graded with it off, to reach the defences behind it.
BEHIND_THE_POLICY = ["fork_storm.py", "gevent_patch_all.py", "ignores_interrupt.py", "leftovers.py", "os_exit.py",
                     "steal_course_copy.py", "steal_via_proc.py", "steal_submissions.py", "drop_answer_in_scratch.py",
                     "pick_up_leftovers.py", "late_writer.py", "network_download_answer.py", "network_reach_grader.py"]
TAMPERING = [name for name in EXPECTED if name.startswith("tamper_")]
ESCAPES = [name for name in EXPECTED if name.startswith("escape_")]  # graded by a test of their own
SECONDS_PER_SUBMISSION = 90  # a generous bound on any one submission, hangs included, on a loaded 2-core machine


def _grade_corpus(root: Path, names: list[str]) -> dict[str, dict[str, tuple[float, float]]]:
    """Submit each hostile answer as a student named after its file; grade them all, two at a time."""
    root.mkdir()
    ag.make_course(CHAPTER, root)
    damaged = ag.exercises(CHAPTER)[1].solution_ids[0]
    for name in names:
        answers = ag.solution_sources(CHAPTER) | {damaged: (HOSTILE / name).read_text()}
        pg.submit(root, CHAPTER, Path(name).stem, answers)
    started = time.monotonic()
    results = pg.grade_chapter(root, CHAPTER, jobs=2)
    assert time.monotonic() - started < SECONDS_PER_SUBMISSION * len(names) / 2
    assert not [r for r in results if r.failure], pg.report(results)
    return pg.gradebook_grades(root, CHAPTER)


def _points(grades: dict[str, tuple[float, float]], grade_ids: list[str]) -> tuple[float, float]:
    return sum(grades[g][0] or 0 for g in grade_ids), sum(grades[g][1] for g in grade_ids)


def _outputs(autograded: Path, grade_ids: list[str]) -> str:
    """All text the cells with these grade_ids showed (streams and errors)."""
    texts = []
    for cell in nbformat.read(autograded, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in grade_ids:
            for output in cell.get("outputs", []):
                texts.append(output.get("text", "") + output.get("ename", "") + ": " + output.get("evalue", ""))
    return "\n".join(texts)


def _kernels_left_behind() -> list[str]:
    """Grading kernels (and their forks) still alive though their sandbox folder is gone, and the corpus's
    marked sleepers."""
    left = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        # A kernel's connection file, seen from inside its own filesystem (bubblewrap gives it another root).
        connection = "-f" in argv and Path(f"/proc/{proc.name}/root/{argv[argv.index('-f') + 1]}")
        orphan_kernel = "course.grading.kernel" in argv and connection and not connection.exists()
        if orphan_kernel or "86413" in argv or "86417" in argv:
            left.append(f"{proc.name}: {' '.join(argv)}")
    return left


def _files_left_behind() -> list[str]:
    """Files the corpus's answers wrote into the machine's scratch folders (their names carry 86413)."""
    return sorted(str(p) for folder in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(folder).glob("*86413*"))


def _assert_each_costs_only_what_it_broke(graded: dict[str, Path], grades: dict[str, dict[str, tuple[float, float]]]) -> None:
    """Each answer (graded in the course folder ``graded[name]``) scores 0 on Exercise 2 and shows its evidence
    there, keeps Exercise 1, and keeps the later exercises unless its kernel was lost; each gradebook is intact."""
    before, damaged, *after = ag.exercises(CHAPTER)
    for name, root in graded.items():
        reason, evidence = EXPECTED[name]
        student = Path(name).stem
        mine = grades[student]
        autograded = root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"
        messages = ag.failure_messages(autograded)
        assert _points(mine, before.grade_ids)[0] == _points(mine, before.grade_ids)[1], f"{name}: lost earlier points"
        assert _points(mine, damaged.grade_ids)[0] == 0, name
        assert evidence in _outputs(autograded, damaged.grade_ids + damaged.solution_ids), name
        for exercise in after:
            got, out_of = _points(mine, exercise.grade_ids)
            if reason is None:
                assert got == out_of, f"{name}: {exercise.title} lost points though the kernel survived: {messages}"
            else:
                assert got == 0, name
                assert all(reason in messages[g] for g in exercise.grade_ids), f"{name}: {messages}"
    for root in set(graded.values()):
        with sqlite3.connect(root / "gradebook.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert _kernels_left_behind() == []
    assert _files_left_behind() == []


def test_hostile_answers_cost_only_what_they_broke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", str(CELL_TIMEOUT))
    checked, behind = tmp_path / "checked", tmp_path / "behind"
    names = [name for name in EXPECTED if name not in BEHIND_THE_POLICY and name not in ESCAPES]
    grades = _grade_corpus(checked, names)
    monkeypatch.setenv("COURSE_POLICY", "off")
    grades |= _grade_corpus(behind, BEHIND_THE_POLICY)
    _assert_each_costs_only_what_it_broke({name: checked for name in names} | {name: behind for name in BEHIND_THE_POLICY},
                                          grades)
    assert (checked / "autograded" / "enormous_output" / CHAPTER / f"{CHAPTER}.ipynb").stat().st_size < 5_000_000


def test_what_the_guard_cannot_see_is_refused_before_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The answers that reach around the in-kernel guard (issue 14) are refused by the grading policy: their
    exercise scores 0 with the policy's message, without running, and the others get full marks."""
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", str(CELL_TIMEOUT))
    grades = _grade_corpus(tmp_path / "course", ESCAPES)
    _assert_each_costs_only_what_it_broke({name: tmp_path / "course" for name in ESCAPES}, grades)


def test_each_tampering_would_have_earned_points_without_the_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control for the test above: with the policy, the sandbox and the guard off (COURSE_ISOLATION=off),
    every attack scores on checks it never passed (Exercise 2 has no real answer), which is what they take away."""
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", str(CELL_TIMEOUT))
    monkeypatch.setenv("COURSE_ISOLATION", "off")
    damaged = ag.exercises(CHAPTER)[1]
    grades = _grade_corpus(tmp_path / "course", TAMPERING)
    for name in TAMPERING:
        got, out_of = _points(grades[Path(name).stem], damaged.grade_ids)
        assert got == out_of, f"{name}: the attack did not work even without the guard ({got}/{out_of})"
