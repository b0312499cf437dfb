"""The instructor's whole nbgrader cycle through its command line, with a real exchange folder:
generate_assignment, release_assignment, fetch_assignment and submit (as the student), collect,
autograde, generate_feedback and export.
"""
from __future__ import annotations

import csv
import getpass
import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from course.grading import autograde as ag

pytestmark = pytest.mark.slow

CHAPTER = "ch04_threads"


def _run(args: list[str], cwd: Path, exchange: Path) -> str:
    done = ag.nbgrader([*args, f"--Exchange.root={exchange}"], cwd=cwd)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_generate_release_fetch_submit_collect_autograde_feedback_export(tmp_path: Path) -> None:
    course, student_home, exchange = tmp_path / "course", tmp_path / "student", tmp_path / "exchange"
    for folder in (course, student_home, exchange):
        folder.mkdir()
    exchange.chmod(0o777)
    shutil.copy(ag.REPO / "nbgrader_config.py", course)
    shutil.copytree(ag.REPO / "source" / CHAPTER, course / "source" / CHAPTER)

    _run(["generate_assignment", CHAPTER], course, exchange)
    _run(["release_assignment", CHAPTER], course, exchange)

    course_id = "--course=python-concurrency"
    _run(["fetch_assignment", CHAPTER, course_id], student_home, exchange)
    fetched = student_home / CHAPTER / f"{CHAPTER}.ipynb"
    assert fetched.is_file()
    # The student answers every exercise with the reference solutions.
    ag.with_cells_replaced(fetched, ag.solution_sources(CHAPTER), fetched)
    _run(["submit", CHAPTER, course_id], student_home, exchange)

    _run(["collect", CHAPTER], course, exchange)
    student = getpass.getuser()
    assert (course / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb").is_file()
    _run(["autograde", CHAPTER], course, exchange)
    _run(["generate_feedback", CHAPTER], course, exchange)
    html = (course / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text()
    feedback = unescape(re.sub(r"<[^>]+>", "", html))  # the text a student reads, without highlighting
    assert "BEGIN HIDDEN TESTS" not in feedback and "counter_survives_forced_race(SafeCounter, threads=3" not in feedback, (
        "the feedback shows the hidden tests"
    )
    assert "counter_survives_forced_race(SafeCounter)" in feedback, "the feedback should show the visible checks"
    _run(["release_feedback", CHAPTER], course, exchange)
    _run(["fetch_feedback", CHAPTER, course_id], student_home, exchange)
    assert list((student_home / CHAPTER / "feedback").rglob("*.html")), "the student did not receive feedback"

    _run(["export", "--to=grades.csv"], course, exchange)
    with (course / "grades.csv").open() as grades:
        rows = [r for r in csv.DictReader(grades) if r["student_id"] == student]
    assert len(rows) == 1 and float(rows[0]["raw_score"]) == float(rows[0]["max_score"]) > 0, rows

