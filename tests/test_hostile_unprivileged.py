"""The hostile answers that attack isolation, graded by an ordinary user, as an instructor on a laptop would.

The answers that look for a course copy, another student's work or an earlier student's leftovers, leave
files or processes behind, or use the network (tests/hostile/, see tests/test_hostile.py's EXPECTED) are
graded by the course's parallel grader run as an unprivileged user: each must score what its honest part
earns, with nothing left behind, as when root grades them.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import unprivileged
from test_hostile import CELL_TIMEOUT, CHAPTER, EXPECTED, HOSTILE, _files_left_behind, _kernels_left_behind, check_outcomes

from course.grading import autograde as ag
from course.grading import parallel_grading as pg

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

AGAINST_ISOLATION = [name for name in EXPECTED if name.startswith(("steal_", "drop_", "pick_", "late_", "network_"))]
NAMES = [*AGAINST_ISOLATION, "fork_storm.py", "leftovers.py"]  # and the two that leave processes behind


def test_isolation_attacks_fail_for_an_unprivileged_grader(tmp_path: Path) -> None:
    ag.make_course(CHAPTER, tmp_path)
    damaged = ag.exercises(CHAPTER)[1].solution_ids[0]
    for name in NAMES:
        pg.submit(tmp_path, CHAPTER, Path(name).stem, ag.solution_sources(CHAPTER) | {damaged: (HOSTILE / name).read_text()})
    done = unprivileged.run(["course", "autograde", CHAPTER, "--jobs", "2", "--root", str(tmp_path)], tmp_path,
                            {"COURSE_CELL_TIMEOUT": str(CELL_TIMEOUT)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "grading isolation: bubblewrap" in done.stderr, done.stderr[-3000:]

    check_outcomes(tmp_path, pg.gradebook_grades(tmp_path, CHAPTER), NAMES)
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert _kernels_left_behind() == []
    assert _files_left_behind() == []
