"""The course's command line: ``python -m course lab | grade NOTEBOOK | autograde CHAPTER | bench | class ACTION``
(``./dev`` wraps it)."""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

from course.grading import autograde as ag
from course.processes import usable_cores

WORK = Path(os.environ.get("COURSE_WORK", ag.REPO / "mywork"))  # where learners' copies live


def copy_release_to_mywork() -> list[Path]:
    """Give the learner a working copy of every released notebook, never overwriting their work."""
    copied = []
    for released in sorted((ag.REPO / "release").glob("*/*.ipynb")):
        mine = WORK / released.parent.name / released.name
        if not mine.exists():
            mine.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(released, mine)
            copied.append(mine)
    return copied


LAB_SETTINGS = Path(__file__).resolve().parent / "lab_settings"  # overrides.json: a quiet first look


def lab(args: argparse.Namespace) -> int:
    """Open JupyterLab on the learner's working copies (mywork/), never on the course folder, whose source/
    holds the solutions and hidden tests; with the course's settings, a fresh profile shows no news popup
    and no "Select Kernel" dialog."""
    for path in copy_release_to_mywork():
        print(f"New working copy: {path}")
    first = sorted(WORK.glob("*/*.ipynb"))
    argv = ["jupyter", "lab", f"--ServerApp.root_dir={WORK}", f"--LabApp.app_settings_dir={LAB_SETTINGS}",
            *args.jupyter_args]
    if first:
        argv.append(f"--LabApp.default_url=/lab/tree/{first[0].relative_to(WORK)}")
    if os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses that unless told
        argv.append("--allow-root")
    os.execvp(argv[0], argv)
    return 0  # not reached


def report(chapter: str, submission: ag.Submission) -> str:
    """Points per exercise, and the message of every check that failed, as text for a terminal."""
    if not submission.graded:
        return (
            f"nbgrader could not grade this notebook at all; its log ends with:\n{submission.log[-2000:]}\n"
            f"Check that the notebook runs top to bottom (Kernel → Restart and Run All)."
        )
    lines = [f"Grades for {chapter}:"]
    for exercise in ag.sections(chapter):
        got, out_of = submission.score(exercise.grade_ids)
        lines.append(f"\n{exercise.title}: {got:g} / {out_of:g}")
        for grade_id in exercise.grade_ids:
            cell = submission.cells.get(grade_id)
            if cell is None:
                lines.append(f"  ✗ {grade_id}: this check cell is missing from your notebook")
                continue
            mark = "✓" if cell.score == cell.max_score else "✗"
            lines.append(f"  {mark} {grade_id} ({cell.score:g}/{cell.max_score:g})")
            if cell.message and cell.score < cell.max_score:
                if cell.message.startswith("NotImplementedError"):
                    cell.message = "not answered yet: replace `raise NotImplementedError` with your code"
                lines += ["      " + line for line in cell.message.splitlines()[:12]]
    got, out_of = submission.score()
    lines.append(f"\nTotal: {got:g} / {out_of:g}")
    return "\n".join(lines)


def grade(args: argparse.Namespace) -> int:
    """Grade one notebook against the chapter's hidden tests and print the result."""
    path = Path(args.notebook).expanduser().resolve()
    try:
        path = ag.notebook_at(path, args.chapter)
        chapter = args.chapter or ag.chapter_of(path)
        ag.check_notebook(path, chapter)
        print(f"Grading {path.name} as {chapter} with nbgrader (this runs every cell) …", flush=True)
        submission = ag.autograde(chapter, {"me": path})["me"]
    except ag.GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report(chapter, submission))
    return 0 if submission.graded else 1


def autograde(args: argparse.Namespace) -> int:
    """Grade every submission of a chapter into the course's gradebook, ``--jobs`` at a time or on a cluster."""
    from course.grading import parallel_grading

    started = time.monotonic()
    try:
        results = parallel_grading.grade_chapter(args.root.expanduser().resolve(), args.chapter, args.jobs, args.force,
                                                 cluster=args.cluster)
    except ag.GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(parallel_grading.report(results))
    where = f"on the cluster at {args.cluster}" if args.cluster else f"with {args.jobs} jobs"
    failed = [r.student for r in results if r.failure]
    print(f"Graded {len(results) - len(failed)} of {len(results)} submissions of {args.chapter} in "
          f"{time.monotonic() - started:.0f} s {where}.")
    if failed:
        print(f"To see nbgrader's whole log for one of them, run `nbgrader autograde {args.chapter} --force "
              f"--student={failed[0]}` in {args.root}.", file=sys.stderr)
    return 1 if failed else 0


def bench(args: argparse.Namespace) -> int:
    from course import benchmark

    if args.chapters == ["parallel"]:
        benchmark.parallel_grading(args.submissions)
    elif args.chapters == ["checks"]:
        benchmark.check_methods(args.submissions if args.submissions != 40 else 4)
        benchmark.autograde_methods(args.submissions if args.submissions != 40 else 4)
    elif args.chapters == ["cluster"]:
        benchmark.cluster_grading(args.submissions)
    elif args.chapters[:1] == ["grading"]:
        benchmark.grading_drivers(args.submissions if args.submissions != 40 else 8, args.chapters[1:] or None)
    else:
        benchmark.main(args.chapters)
    return 0


def classroom(args: argparse.Namespace) -> int:
    from course.grading import classroom

    return classroom.main(args.action, args.instructor, args.students)


def names(text: str) -> list[str]:
    """An argparse type: comma-separated Linux account names."""
    found = [n.strip() for n in text.split(",") if n.strip()]
    # Lower case: JupyterHub lower-cases the names people log in with, and each server runs as that Linux account.
    if not found or not all(re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", n) for n in found):
        raise argparse.ArgumentTypeError(f"expected lower-case account names separated by commas (e.g. alice,bob), "
                                         f"got {text!r}")
    return found


def name(text: str) -> str:
    """An argparse type: one Linux account name."""
    found = names(text)
    if len(found) != 1:
        raise argparse.ArgumentTypeError(f"expected one account name, got {text!r}")
    return found[0]


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("lab", help="open the course in JupyterLab (other options go to jupyter lab)")
    p.set_defaults(run=lab)
    p = sub.add_parser("grade", help="grade your own notebook against the hidden tests")
    p.add_argument("notebook", help="path of your notebook, e.g. mywork/ch04_threads/ch04_threads.ipynb")
    p.add_argument("--chapter", help="the chapter, when the file name does not say it")
    p.set_defaults(run=grade)
    p = sub.add_parser("autograde", help="grade every collected submission of a chapter into the course's gradebook")
    p.add_argument("chapter", help="the assignment, e.g. ch04_threads")
    p.add_argument("--jobs", type=positive, default=usable_cores(), help="submissions graded at once (default: the cores)")
    p.add_argument("--root", type=Path, default=ag.REPO, help="the course folder (default: this repository)")
    p.add_argument("--force", action="store_true", help="regrade submissions already autograded, as nbgrader's --force")
    p.add_argument("--cluster", metavar="ADDRESS", help="grade on the workers of the Dask scheduler at ADDRESS "
                                                        "(tcp://host:8786) instead of --jobs local processes")
    p.set_defaults(run=autograde)
    p = sub.add_parser("bench", help="print the course's benchmarks")
    p.add_argument("chapters", nargs="*", help="chapters to measure (default: all), `parallel` for parallel grading, `cluster` "
                                               "for grading on 1, 2 and 4 Dask workers, `grading [CHAPTER …]` for the "
                                               "suite's grading, before and now, or `checks` for Chapter 4's checks, before "
                                               "and after the scheduler")
    p.add_argument("--submissions", type=positive, default=40, help="with `parallel` or `cluster`: how many submissions to grade")
    p.set_defaults(run=bench)
    p = sub.add_parser("class", help="set up, start or stop a class on JupyterHub on this machine (as root)")
    p.add_argument("action", choices=["setup", "start", "stop"])
    p.add_argument("--instructor", type=name, default="instructor", help="with setup: the instructor's account name")
    p.add_argument("--students", type=names, default=["student1", "student2"],
                   help="with setup: the students' account names, comma-separated")
    p.set_defaults(run=classroom)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.jupyter_args = extra
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
