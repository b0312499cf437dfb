"""Hostile answers that attack isolation, graded by an ordinary user, as an instructor on a laptop would.

One answer of each kind (tests/hostile/, see tests/test_hostile.py's EXPECTED) that looks for a course copy
or an earlier student's leftovers, leaves files behind or uses the network, and the fork storm, are graded
by the course's parallel grader run as an unprivileged user: each must score what its honest part earns,
with nothing left behind, as when root grades them.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import unprivileged
from test_hostile import CELL_TIMEOUT, CHAPTER, HOSTILE, MARKED_GROUP, _assert_each_costs_only_what_it_broke

from course.grading import autograde as ag
from course.grading import parallel_grading as pg

# The corpus's sleepers and files carry one marker: never beside the part of tests/test_hostile.py that has them.
pytestmark = [pytest.mark.slow, MARKED_GROUP, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]

# One answer of each kind that attacks isolation, and the fork storm (without root, only the user namespace
# limits its processes): the whole corpus graded twice would not fit the suite's time.
NAMES = ["steal_course_copy.py", "pick_up_leftovers.py", "late_writer.py", "network_reach_grader.py", "fork_storm.py"]


def test_isolation_attacks_fail_for_an_unprivileged_grader(open_course: Path) -> None:
    course = open_course
    ag.make_course(CHAPTER, course)
    damaged = ag.exercises(CHAPTER)[1].solution_ids[0]
    for name in NAMES:
        pg.submit(course, CHAPTER, Path(name).stem, ag.solution_sources(CHAPTER) | {damaged: (HOSTILE / name).read_text()})
    done = unprivileged.run(["course", "autograde", CHAPTER, "--jobs", "2", "--root", str(course)], course,
                            {"COURSE_CELL_TIMEOUT": str(CELL_TIMEOUT), "COURSE_POLICY": "off"})  # the sandbox's part
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "grading isolation: bubblewrap" in done.stderr, done.stderr[-3000:]

    _assert_each_costs_only_what_it_broke({name: course for name in NAMES}, pg.gradebook_grades(course, CHAPTER))
