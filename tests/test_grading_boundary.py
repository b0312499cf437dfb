"""The trust boundary between a grading kernel and the grader: what the kernel answers is data, never code;
a test cell's score comes from its checks' signed record, never from what it displayed; hidden tests never
reach outputs or feedback; and what one submission may cost in time and grader memory is bounded."""
from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import nbformat
import pytest

from course.grading import autograde as ag
from course.grading import guard
from course.grading import parallel_grading as pg
from course.grading.robust_execute import checks_called, hidden_lines, remove_hidden_lines, scored_outputs

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

KEY = b"k" * 32
NONCE = "0123456789abcdef"
CHAPTER = "ch04_threads"
HOSTILE = Path(__file__).parent / "hostile"


def _reply(text: str) -> dict:
    return {"status": "ok", "data": {"text/plain": text}, "metadata": {}}


def _signed(value: object, key: bytes = KEY, nonce: str = NONCE) -> dict:
    return _reply(repr(guard.sealed(value, hmac.new(key, digestmod=hashlib.sha256), nonce)))


def test_a_sealed_verdict_reads_back() -> None:
    verdict = guard.read_verdict(KEY, NONCE, _signed({"problems": ["x was replaced"], "checks": [["c", True, "", ""]]}))
    assert verdict == guard.Verdict(["x was replaced"], [("c", True, "", "")])


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch {marker}')",
    "(lambda: open('{marker}', 'w').write('ran'))()",
    "'{mac}:' + __import__('os').system('touch {marker}').__str__()",
    "\"{mac}:\" \"W10=\"",  # implicit concatenation: valid Python, not what sealed() makes
    "'{mac}:W10='  # {marker}",
    "'{mac}:W10=\\n'",
])
def test_a_crafted_reply_never_runs(tmp_path: Path, text: str) -> None:
    marker = tmp_path / "ran"
    mac = hmac.new(KEY, f"{NONCE}\nW10=".encode(), hashlib.sha256).hexdigest()
    reply = _reply(text.format(marker=marker, mac=mac))
    assert guard.read_verdict(KEY, NONCE, reply).problems == [guard.NO_ANSWER]
    assert guard.unseal(reply) is None
    assert not marker.exists()


@pytest.mark.parametrize("reply", [
    None, [], "text", {"data": None}, {"data": {"text/plain": 7}}, {"data": {"text/plain": ["'W10='"]}},
    _reply("'" + "0" * 64 + ":" + base64.b64encode(b"[]").decode() + "'"),  # a forged signature
    _signed({"problems": [], "checks": []}, key=b"another key"),
    _signed({"problems": [], "checks": []}, nonce="an old nonce"),
    _signed({"problems": [1], "checks": []}),  # the right signature, the wrong shape
    _signed({"problems": [], "checks": [["c", "yes", "", ""]]}),
    _signed({"problems": [], "checks": [], "extra": 1}),
    _reply(repr(guard.sealed({"problems": [], "checks": []}))),  # unsigned
])
def test_a_malformed_or_forged_verdict_is_no_valid_answer(reply: object) -> None:
    assert guard.read_verdict(KEY, NONCE, reply) == guard.Verdict([guard.NO_ANSWER], [])


def test_deep_nesting_and_huge_replies_are_refused_in_bounded_memory() -> None:
    deep = base64.b64encode(b"[" * 200_000 + b"]" * 200_000).decode()
    mac = hmac.new(KEY, f"{NONCE}\n{deep}".encode(), hashlib.sha256).hexdigest()
    huge = "'" + "A" * 50_000_000 + "'"
    tracemalloc.start()
    try:
        assert guard.read_verdict(KEY, NONCE, _reply(f"'{mac}:{deep}'")).problems == [guard.NO_ANSWER]
        assert guard.unseal(_reply(huge)) is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"reading the replies took {peak:,} bytes"


FAILED = ("pipeline_processes_every_item_once", False, "AssertionError", "Every item should be processed once.")
PASSED = ("pipeline_processes_every_item_once", True, "", "")
EXPECTED = ["pipeline_processes_every_item_once"]


@pytest.mark.parametrize(("checks", "reply", "shown"), [
    ([PASSED], {"status": "ok"}, None),
    ([FAILED], {"status": "ok"}, "AssertionError: Every item should be processed once."),  # error suppressed
    ([FAILED], {"status": "error", "ename": "X", "evalue": "y"}, "AssertionError: Every item should be processed once."),
    ([], {"status": "error", "ename": "NameError", "evalue": "name 'run_pipeline' is not defined"},
     "NameError: name 'run_pipeline' is not defined"),
    ([], {"status": "ok"}, "ChecksNotRun"),  # the cell was skipped or rewritten
    ([PASSED, PASSED], {"status": "ok"}, "ChecksNotRun"),
    ([PASSED], {}, "ChecksNotRun"),  # no reply understood
    ([PASSED], {"status": "error", "ename": "<script>", "evalue": "after the checks"}, "Error: after the checks"),
])
def test_a_test_cell_shows_its_verdict_only(checks: list, reply: dict, shown: str | None) -> None:
    outputs = scored_outputs(EXPECTED, checks, reply)
    if shown is None:
        assert outputs == []
    else:
        assert len(outputs) == 1 and outputs[0].output_type == "error"
        assert shown in f"{outputs[0].ename}: {outputs[0].evalue}"
        assert outputs[0].traceback == [f"{outputs[0].ename}: {outputs[0].evalue}"]


def test_the_checks_a_test_cell_calls_are_read_from_its_source() -> None:
    source = ('"""doc"""\nfrom course.checks import ch06_coroutines as checks\n\ncheckA = 1\n'
              "checks.first(f)\nawait checks.second(f, limit=1)\n### BEGIN HIDDEN TESTS\nchecks.third(f)\n")
    assert checks_called(source) == ["first", "second", "third"]


def test_outputs_showing_a_hidden_test_are_removed() -> None:
    nb = nbformat.v4.new_notebook()
    test = nbformat.v4.new_code_cell("checks.a(f)\n### BEGIN HIDDEN TESTS\nchecks.a(f, threads=8)\n### END HIDDEN TESTS\n")
    test.metadata.nbgrader = {"grade": True, "grade_id": "t", "points": 1}
    leak = nbformat.v4.new_code_cell("print(In)")
    leak.outputs = [nbformat.v4.new_output("stream", name="stdout", text="['', 'checks.a(f, threads=8)']"),
                    nbformat.v4.new_output("display_data", data={"text/html": "<b>checks.a(f)</b>"})]
    nb.cells = [test, leak]
    nb.metadata.widgets = {"state": {"m": {"value": "x checks.a(f, threads=8) x"}}}
    remove_hidden_lines(nb, hidden_lines(nb))
    assert hidden_lines(nb) == {"checks.a(f, threads=8)"}
    assert "hidden test" in leak.outputs[0].text and leak.outputs[1].data["text/html"] == "<b>checks.a(f)</b>"
    assert "widgets" not in nb.metadata


# The grader as `nbgrader autograde` runs it, reporting its own peak RSS (its kernels are other processes).
_MEASURED_NBGRADER = """
import resource, sys
from nbgrader.apps.nbgraderapp import main
try:
    main()
finally:
    print(f"peak_rss_kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""
GRADER_MEMORY_KIB = 2**20  # 1 GiB
# One wrong answer that first copies every hidden test it can reach into its outputs (now and from a thread,
# later), then floods widget state (1.5 GB) and displays (1.3 GB).
HOSTILE_ANSWER = ("copy_hidden_history.py", "flood_widget_state.py", "flood_display_data.py")
FLOOD_SENT = 2**30  # what the kernel must at least have sent, for the measurement to mean something
FLOOD_CELL_TIMEOUT = 150  # long enough for the whole flood, on a loaded machine


def _outputs_text(notebook: Path) -> str:
    cells = nbformat.read(notebook, as_version=4).cells
    return json.dumps([cell.get("outputs", []) for cell in cells], ensure_ascii=False)


def _visible_text(page: str) -> str:
    """What a browser shows of an HTML page, roughly: no tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", page))


def test_a_flood_leaves_the_grader_bounded_and_no_hidden_test_reaches_outputs_or_feedback(tmp_path: Path) -> None:
    ag.make_course(CHAPTER, tmp_path)
    damaged = ag.exercises(CHAPTER)[1].solution_ids[0]
    answer = "\n".join((HOSTILE / name).read_text() for name in HOSTILE_ANSWER)
    pg.submit(tmp_path, CHAPTER, "hostile", ag.solution_sources(CHAPTER) | {damaged: answer})
    started = time.monotonic()
    graded = subprocess.run([sys.executable, "-c", _MEASURED_NBGRADER, "autograde", CHAPTER, "--force"], cwd=tmp_path,
                            # the policy would refuse the flood before it ran: this tests the caps behind it
                            env=ag.nbgrader_env() | {"COURSE_CELL_TIMEOUT": str(FLOOD_CELL_TIMEOUT), "COURSE_POLICY": "off"},
                            capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    assert graded.returncode == 0, graded.stderr[-3000:]
    peak = int(re.findall(r"peak_rss_kib=(\d+)", graded.stderr)[-1])
    sent = max(int(n.replace(",", "")) for n in re.findall(r"The kernel sent ([\d,]+) characters", graded.stderr))
    print(f"grader peak RSS {peak / 1024:.0f} MiB while the kernel sent {sent / 2**20:.0f} MiB; graded in {seconds:.0f} s")
    assert sent > FLOOD_SENT, "the flood was too small to show anything"
    assert peak < GRADER_MEMORY_KIB, f"the grader held {peak / 1024:.0f} MiB"

    grades = pg.gradebook_grades(tmp_path, CHAPTER)["hostile"]
    before, hit, *after = ag.exercises(CHAPTER)
    assert _points(grades, hit.grade_ids)[0] == 0
    for exercise in (before, *after):
        got, out_of = _points(grades, exercise.grade_ids)
        assert got == out_of, f"{exercise.title} lost points"
    autograded = tmp_path / "autograded" / "hostile" / CHAPTER / f"{CHAPTER}.ipynb"
    assert autograded.stat().st_size < 15_000_000
    shown = _outputs_text(autograded)
    assert "output cut" in shown and "showed the source of a hidden test" in shown

    done = ag.nbgrader(["generate_feedback", CHAPTER, "--force"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    feedback = _visible_text((tmp_path / "feedback" / "hostile" / CHAPTER / f"{CHAPTER}.html").read_text())
    assert "no answer" in feedback or "is not defined" in feedback  # what the tests said is there
    secret = hidden_lines(nbformat.read(tmp_path / "source" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4))
    assert len(secret) >= 10
    assert not [line for line in secret if line in shown or line in feedback]


def _points(grades: dict[str, tuple[float, float]], grade_ids: list[str]) -> tuple[float, float]:
    return sum(grades[g][0] or 0 for g in grade_ids), sum(grades[g][1] for g in grade_ids)
