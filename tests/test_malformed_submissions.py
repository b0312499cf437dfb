"""Damaged submissions of Chapter 4 get a clear, correct outcome, and never cost another student anything.

One ``nbgrader autograde`` run over a real course folder grades a good submission beside every kind of
damage a student's notebook can come with; what stock nbgrader 0.9.6 did with each, and what the course
does (``course/grading/submission_checks.py``, registered in nbgrader_config.py):

- a truncated file, or JSON that is no notebook: that submission fails with nbformat's error and scores 0,
  flagged for the instructor (stock, kept: nbgrader fails before any preprocessor sees the notebook);
- a deleted check cell: stock never scored it, so a regrade kept the previous run's full marks; now it
  scores 0 and says why. A deleted answer cell: its checks fail with a NameError (stock, kept);
- a copy-pasted check cell: stock aborted the whole run ("old version of the nbgrader metadata"), so this
  student and everyone after them went ungraded; now the copy is an ordinary cell and points count once.
  A check cell pasted from another chapter failed that submission; now it is an ordinary cell too;
- a check cell retyped to markdown, an answer cell retyped to raw or markdown: nbgrader turns them back
  into code and runs them (stock, kept);
- an empty submission folder: nobody to grade (stock, kept); a notebook under another name: that
  submission fails and the log names the file nbgrader skipped (stock, kept: no preprocessor sees it);
- another chapter's notebook under Chapter 4's name: stock failed with "the nbgrader metadata may be
  corrupted"; now it fails with a sentence that says what it is and what the student must do.

The self-study ``grade`` command refuses the unreadable, missing and foreign notebooks before grading,
with a sentence that says what to do.
"""
from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from course.grading import autograde as ag

# One grading serves every test here: keep them on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("malformed")]

CHAPTER = "ch04_threads"
RELEASED = ag.REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb"
OTHER = ag.REPO / "release" / "ch06_coroutines" / "ch06_coroutines.ipynb"  # another chapter's notebook
VARIANTS = Path(__file__).parent / "submissions" / CHAPTER
# Student ids sort so that "duplicated" comes before the good submission: stock nbgrader stopped there.
STUDENTS = ["deleted", "duplicated", "empty", "good", "misnamed", "not_a_notebook", "other_chapter", "retyped",
            "truncated"]


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _index(nb: nbformat.NotebookNode, grade_id: str) -> int:
    return next(i for i, cell in enumerate(nb.cells) if _grade_id(cell) == grade_id)


def _retyped(cell: nbformat.NotebookNode, cell_type: str) -> nbformat.NotebookNode:
    make = {"markdown": nbformat.v4.new_markdown_cell, "raw": nbformat.v4.new_raw_cell}[cell_type]
    return make(cell.source, metadata=cell.metadata)


def _answered(tmp: Path, name: str, **variants: str) -> nbformat.NotebookNode:
    """The released notebook with every answer pasted in: the reference one, or the named variant file."""
    answers = ag.solution_sources(CHAPTER) | {sid: (VARIANTS / sid / v).read_text() for sid, v in variants.items()}
    return nbformat.read(ag.with_cells_replaced(RELEASED, answers, tmp / f"{name}.ipynb"), as_version=4)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The unreadable and foreign notebooks, each named as Chapter 4's notebook."""
    folder = tmp_path_factory.mktemp("bad")
    files = {name: folder / name / f"{CHAPTER}.ipynb" for name in ("truncated", "not_a_notebook", "other_chapter")}
    for path in files.values():
        path.parent.mkdir()
    files["truncated"].write_text(RELEASED.read_text()[:5000])
    files["not_a_notebook"].write_text(json.dumps({"answers": {"safe_counter_solution": "import threading"}}))
    shutil.copy(OTHER, files["other_chapter"])
    return files


def _submissions(tmp: Path) -> dict[str, nbformat.NotebookNode]:
    """The notebooks that reach nbgrader's preprocessors, by student."""
    good = _answered(tmp, "good")
    deleted = copy.deepcopy(good)
    deleted.cells = [c for c in deleted.cells if _grade_id(c) not in {"safe_counter_no_race", "pipeline_solution"}]
    duplicated = copy.deepcopy(good)
    at = _index(duplicated, "safe_counter_counts")
    checks_of_other = {g for ex in ag.exercises("ch06_coroutines") for g in ex.grade_ids}  # checkpoint ids recur
    foreign = next(c for c in nbformat.read(OTHER, as_version=4).cells if _grade_id(c) in checks_of_other)
    for pasted in (duplicated.cells[at], foreign):  # as JupyterLab pastes: a new cell id, the same source and metadata
        duplicated.cells.insert(at + 1, nbformat.v4.new_code_cell(pasted.source, metadata=copy.deepcopy(pasted.metadata)))
    # Retyped cells hold a wrong answer (or none at all) where a dodged check would have paid.
    retyped = _answered(tmp, "retyped", safe_counter_solution="wrong/no_lock.py", transfer_solution="wrong/no_locks.py")
    for grade_id, cell_type in [("safe_counter_no_race", "markdown"), ("pipeline_solution", "raw"),
                                ("transfer_solution", "markdown")]:
        at = _index(retyped, grade_id)
        retyped.cells[at] = _retyped(retyped.cells[at], cell_type)
    retyped.cells[_index(retyped, "transfer_atomic")].metadata.nbgrader["grade"] = False  # a check switched off
    return {"good": good, "deleted": deleted, "duplicated": duplicated, "retyped": retyped}


def _seed_full_marks(root: Path, student: str) -> None:
    """Record full marks for every check of ``student``, as an earlier run of a complete submission would."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission warns so under SQLAlchemy 2.1, harmlessly
        gb.update_or_create_student(student)
        for grade in gb.add_submission(CHAPTER, student).notebooks[0].grades:
            grade.auto_score, grade.needs_manual_grade = grade.max_score, False
        gb.db.commit()


@dataclass
class Graded:
    """One nbgrader run's outcome: its log, each student's gradebook rows and autograded check messages."""

    root: Path
    log: str
    grades: dict[str, dict[str, tuple[float | None, float, bool]] | None]  # None: no submission recorded
    messages: dict[str, dict[str, str]]
    cell_types: dict[str, dict[str, str]]


def _read(root: Path, log: str) -> Graded:
    from nbgrader.api import Gradebook, MissingEntry

    grades, messages, cell_types = {}, {}, {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            try:
                notebook = gb.find_submission_notebook(CHAPTER, CHAPTER, student)
            except MissingEntry:
                grades[student] = None
                continue
            grades[student] = {g.name: (g.auto_score, g.max_score, g.needs_manual_grade) for g in notebook.grades}
    for student in STUDENTS:
        autograded = root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"
        if autograded.is_file():
            messages[student] = ag.failure_messages(autograded)
            cells = nbformat.read(autograded, as_version=4).cells
            cell_types[student] = {_grade_id(c): c.cell_type for c in cells if _grade_id(c)}
    return Graded(root, log, grades, messages, cell_types)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, bad_files: dict[str, Path]) -> Graded:
    """Every student of STUDENTS graded by one ``nbgrader autograde`` run in a real course folder."""
    root = tmp_path_factory.mktemp("course")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("COURSE_CELL_TIMEOUT", "20")  # nothing here hangs: this only bounds a regression
        ag.make_course(CHAPTER, root)
        folders = {student: root / "submitted" / student / CHAPTER for student in STUDENTS}
        for folder in folders.values():
            folder.mkdir(parents=True)
        for student, nb in _submissions(root).items():
            nbformat.write(nb, folders[student] / f"{CHAPTER}.ipynb")
        for student, path in bad_files.items():
            shutil.copy(path, folders[student])
        nbformat.write(_answered(root, "misnamed"), folders["misnamed"] / "Untitled.ipynb")
        _seed_full_marks(root, "deleted")
        done = ag.nbgrader(["autograde", CHAPTER], cwd=root, timeout=900)
    return _read(root, done.stdout + done.stderr)


def _score(graded: Graded, student: str) -> float:
    return sum(auto or 0 for auto, _, _ in graded.grades[student].values())


def test_the_good_submission_gets_full_marks_and_the_gradebook_stays_intact(graded: Graded) -> None:
    assert graded.grades["good"] and all(auto == top for auto, top, _ in graded.grades["good"].values()), graded.log[-3000:]
    database = sqlite3.connect(graded.root / "gradebook.db")
    assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    checks = {g for ex in ag.sections(CHAPTER) for g in ex.grade_ids}
    for student, grades in graded.grades.items():
        assert grades is None or set(grades) == checks, f"{student}: {sorted(grades)}"


def test_unreadable_notebooks_fail_alone_and_score_zero(graded: Graded) -> None:
    for student, says in [("truncated", "Notebook does not appear to be JSON"), ("not_a_notebook", "could not be converted")]:
        assert f"error processing assignment: {graded.root}/submitted/{student}/" in graded.log
        assert says in graded.log
        assert student not in graded.messages, f"{student} was autograded"
        assert _score(graded, student) == 0 and all(flagged for *_, flagged in graded.grades[student].values())


def test_a_deleted_check_scores_zero_even_after_full_marks(graded: Graded) -> None:
    grades, messages = graded.grades["deleted"], graded.messages["deleted"]
    assert grades["safe_counter_no_race"] == (0.0, 2.0, False), graded.log[-3000:]
    assert "'safe_counter_no_race' was deleted" in messages["safe_counter_no_race"]
    assert "resubmit the released notebook with your answers pasted in" in messages["safe_counter_no_race"]
    assert "deleted deleted the check cell 'safe_counter_no_race'" in graded.log
    for exercise in ag.exercises(CHAPTER):
        for grade_id in exercise.grade_ids:
            auto, top, _ = grades[grade_id]
            if grade_id.startswith("pipeline_"):  # its answer cell was deleted
                assert auto == 0 and messages[grade_id].startswith("NameError"), (grade_id, messages.get(grade_id))
            elif grade_id != "safe_counter_no_race":
                assert auto == top, (grade_id, messages.get(grade_id))


def test_a_duplicated_check_counts_once_and_stops_nobody(graded: Graded) -> None:
    assert "Cell with id 'safe_counter_counts' exists multiple times" in graded.log
    assert "does not exist in the database" in graded.log  # the check cell pasted from Chapter 6
    assert graded.grades["duplicated"] and all(a == t for a, t, _ in graded.grades["duplicated"].values())
    assert _score(graded, "duplicated") == sum(t for _, t, _ in graded.grades["good"].values())
    assert "retyped" in graded.messages, "the student after the good one was not graded"


def test_retyped_cells_are_run_as_code(graded: Graded) -> None:
    grades, messages = graded.grades["retyped"], graded.messages["retyped"]
    assert set(graded.cell_types["retyped"].values()) == {"code"}
    assert grades["safe_counter_no_race"][0] == 0 and "update was lost" in messages["safe_counter_no_race"]
    transfer = next(ex for ex in ag.exercises(CHAPTER) if "transfer_solution" in ex.solution_ids)
    assert sum(grades[g][0] for g in transfer.grade_ids) < sum(grades[g][1] for g in transfer.grade_ids)
    assert grades["transfer_atomic"][0] == 0 and "changed the role of cell 'transfer_atomic'" in graded.log
    assert not any(messages.get(g, "").startswith("NameError") for g in transfer.grade_ids), messages
    for grade_id in ("pipeline_every_item", "pipeline_concurrent", "pipeline_back_pressure", "pipeline_clean_stop"):
        assert grades[grade_id][0] == grades[grade_id][1], (grade_id, messages.get(grade_id))


def test_a_missing_notebook_is_named_in_the_log(graded: Graded) -> None:
    assert f"No notebooks were matched by '{graded.root}/submitted/empty/{CHAPTER}/*.ipynb'" in graded.log
    assert graded.grades["empty"] is None
    assert f"Skipping unknown notebook: {graded.root}/submitted/misnamed/{CHAPTER}/Untitled.ipynb" in graded.log
    assert "misnamed" not in graded.messages and _score(graded, "misnamed") == 0


def test_another_chapters_notebook_fails_with_what_to_do(graded: Graded) -> None:
    assert (f"other_chapter's {CHAPTER}.ipynb is not the notebook of assignment {CHAPTER}: it has none of its "
            in graded.log)
    assert "Ask the student to resubmit the released notebook with their answers pasted in." in graded.log
    assert "other_chapter" not in graded.messages and _score(graded, "other_chapter") == 0


def _grade(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course", "grade", str(path)], check=False, capture_output=True,
                          text=True, timeout=120)


def test_the_grade_command_names_each_problem_and_the_fix(bad_files: dict[str, Path], tmp_path: Path) -> None:
    released = f"release/{CHAPTER}/{CHAPTER}.ipynb and paste your answers in"
    (tmp_path / "empty" / CHAPTER).mkdir(parents=True)
    (tmp_path / "misnamed" / CHAPTER).mkdir(parents=True)
    shutil.copy(RELEASED, tmp_path / "misnamed" / CHAPTER / "Untitled.ipynb")
    expected = {
        bad_files["truncated"]: ["is not a readable notebook: it is not valid JSON", "save it again", released],
        bad_files["not_a_notebook"]: ["is JSON, but not a Jupyter notebook", released],
        tmp_path / "empty" / CHAPTER: ["No notebook at", "nor any other in", "./dev lab"],
        tmp_path / "misnamed" / CHAPTER: ["holds Untitled.ipynb", f"./dev grade {tmp_path}/misnamed/{CHAPTER}/Untitled"],
        bad_files["other_chapter"]: [f"is the notebook of ch06_coroutines, not of {CHAPTER}", "--chapter ch06_coroutines",
                                     released],
    }
    for path, phrases in expected.items():
        done = _grade(path)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stdout == "", f"{path}: it started grading: {done.stdout}"
        assert all(phrase in done.stderr for phrase in phrases), done.stderr
