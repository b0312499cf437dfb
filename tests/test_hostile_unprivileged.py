"""The hostile corpus graded by an ordinary user, as an instructor on a laptop would: the parts of tests/hostile/
whose defence is the sandbox (``SANDBOXED``: the answers that harm the machine, attack the isolation or spend the
time budget), as tests/test_hostile.py grades them as root, are graded by the course's parallel grader run as an
unprivileged user (bubblewrap's user namespaces instead of root's sandbox users), and each must score what its
honest part earns, with nothing left behind and the gradebook intact.

The other parts are graded as root only. The ``escapes`` are refused by the grading policy before
any of their code runs, and the ``boundary`` answers by what the grader reads from the kernel (the checks' signed
record, the output caps, the hidden-test filter): code of the grader's process that runs alike whoever runs it,
so grading them a second time here would only repeat tests/test_hostile.py.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
import unprivileged
from test_hostile import (
    CHAPTER,
    CORPORA,
    CORPUS_PARAMS,
    JOBS,
    _assert_each_costs_only_what_it_broke,
    corpus_settings,
    submit_corpus,
)

from course.grading import parallel_grading as pg

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]


SANDBOXED = ["checked", "behind the policy", "budget"]


@pytest.mark.parametrize("corpus", [p for p in CORPUS_PARAMS if p.values[0] in SANDBOXED])
def test_hostile_answers_cost_only_what_they_broke_without_root(corpus: str, open_course: Path) -> None:
    names, _ = CORPORA[corpus]
    env, seconds_each = corpus_settings(corpus)
    submit_corpus(open_course, names)
    started = time.monotonic()
    done = unprivileged.run(["course", "autograde", CHAPTER, "--jobs", str(JOBS), "--root", str(open_course)],
                            open_course, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "grading isolation: bubblewrap" in done.stderr, done.stderr[-3000:]
    assert time.monotonic() - started < seconds_each * math.ceil(len(names) / JOBS)
    _assert_each_costs_only_what_it_broke(dict.fromkeys(names, open_course), pg.gradebook_grades(open_course, CHAPTER))
