"""A class's gradebook in PostgreSQL: ``COURSE_DB_URL`` points nbgrader_config.py at a real server (started
here on loopback), the parallel grader writes every student into it two at a time, and no SQLite file
appears. SQLite stays the default for one person (every other test)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from pgserver import running_postgres

from course.grading import autograde as ag
from course.grading.parallel_grading import gradebook_grades, submit

pytestmark = pytest.mark.slow

CHAPTER = "ch01_os_history"


def test_parallel_grading_writes_every_student_into_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_postgres() as url:
        monkeypatch.setenv("COURSE_DB_URL", url)
        course = tmp_path / "course"
        ag.make_course(CHAPTER, course)
        solutions = ag.solution_sources(CHAPTER)
        blank = {sid: "raise NotImplementedError\n" for sid in solutions}
        for student, answers in (("alice", solutions), ("bob", blank), ("carol", solutions)):
            submit(course, CHAPTER, student, answers)
        done = subprocess.run([sys.executable, "-m", "course", "autograde", CHAPTER, "--jobs", "2", "--root", str(course)],
                              cwd=ag.REPO, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]

        grades = gradebook_grades(course, CHAPTER)
        totals = {student: [sum(p) for p in zip(*cells.values(), strict=True)] for student, cells in grades.items()}
        assert set(totals) == {"alice", "bob", "carol"}
        assert totals["alice"][0] == totals["carol"][0] == totals["alice"][1] > 0, totals
        assert totals["bob"][0] == 0, totals
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as db:
            rows, students = db.execute("SELECT COUNT(*), COUNT(DISTINCT student_id) FROM submitted_assignment").fetchone()
        assert rows == students == 3
    assert not (course / "gradebook.db").exists(), "a SQLite gradebook was made beside the PostgreSQL one"
