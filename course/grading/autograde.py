"""Grade notebooks with the real ``nbgrader autograde``, in a throwaway course folder.

Self-study grading, the test suite and the benchmarks all grade this way, so what they report is what an
instructor's nbgrader would give: the chapter's source notebook is copied into a fresh course folder, its
assignment generated (which records the grade cells in a new gradebook), each submission copied under
``submitted/<student>/``, and ``nbgrader autograde`` run once for all of them.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "source"

__all__ = ["CellGrade", "Exercise", "GradingError", "Submission", "autograde", "chapters", "check_notebook", "db_url",
           "exercises", "failure_messages", "make_course", "make_course_from_scratch", "nbgrader", "nbgrader_env",
           "notebook_at", "sections", "solution_sources", "with_cells_replaced"]


class GradingError(Exception):
    """Something about the input stops grading; the message says what to do."""


@dataclass
class CellGrade:
    """The score of one graded test cell, and why it lost points."""

    grade_id: str
    score: float
    max_score: float
    message: str = ""


@dataclass
class Exercise:
    """An ``## Exercise`` or ``## Checkpoint`` section of a chapter and the grade cells that belong to it."""

    title: str
    grade_ids: list[str] = field(default_factory=list)
    solution_ids: list[str] = field(default_factory=list)


@dataclass
class Submission:
    """What autograde made of one student's notebook."""

    student: str
    cells: dict[str, CellGrade]
    log: str = ""

    @property
    def graded(self) -> bool:
        return bool(self.cells)

    def score(self, grade_ids: list[str] | None = None) -> tuple[float, float]:
        """Points and maximum over ``grade_ids`` (all cells by default)."""
        chosen = [c for c in self.cells.values() if grade_ids is None or c.grade_id in grade_ids]
        return sum(c.score for c in chosen), sum(c.max_score for c in chosen)


def chapters() -> list[str]:
    """The chapters (assignments) of the course: the folders under source/."""
    return sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb") if p.stem == p.parent.name)


def source_notebook(chapter: str) -> Path:
    """The instructor notebook of ``chapter``; a clear error when there is no such chapter."""
    path = SOURCE / chapter / f"{chapter}.ipynb"
    if not path.is_file():
        raise GradingError(f"There is no chapter {chapter!r}. The chapters are: {', '.join(chapters())}.")
    return path


SECTION = re.compile(r"##\s+((?:Exercise|Checkpoint)\b.*)")


def sections(chapter: str) -> list[Exercise]:
    """The graded sections of a chapter, in order: each ``## Exercise`` or ``## Checkpoint`` heading (``SECTION``)
    and the grade cells after it."""
    found: list[Exercise] = []
    for cell in nbformat.read(source_notebook(chapter), as_version=4).cells:
        if cell.cell_type == "markdown" and (m := SECTION.match(cell.source)):
            found.append(Exercise(m.group(1).strip()))
        meta = cell.metadata.get("nbgrader", {})
        if found and meta.get("grade"):
            found[-1].grade_ids.append(meta["grade_id"])
        elif found and meta.get("solution"):
            found[-1].solution_ids.append(meta["grade_id"])
    return found


def exercises(chapter: str) -> list[Exercise]:
    """The exercises of a chapter, in order (its sections without the checkpoints)."""
    return [section for section in sections(chapter) if section.title.startswith("Exercise")]


def solution_sources(chapter: str) -> dict[str, str]:
    """The reference answer of every solution cell of ``chapter``, by grade_id."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in nbformat.read(source_notebook(chapter), as_version=4).cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def nbgrader_env() -> dict[str, str]:
    """The environment nbgrader needs: this Python's bin/ on PATH (nbgrader calls alembic) and the course
    package importable (nbgrader_config.py imports it)."""
    env = dict(os.environ)
    for variable, folder in (("PATH", str(Path(sys.executable).parent)), ("PYTHONPATH", str(REPO))):
        rest = [p for p in env.get(variable, "").split(os.pathsep) if p and p != folder]
        env[variable] = os.pathsep.join([folder, *rest])
    return env


def nbgrader(args: list[str], cwd: Path, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run the nbgrader command line of this Python."""
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd, env=nbgrader_env(), capture_output=True, text=True, timeout=timeout,
    )


def make_course(chapter: str, root: Path) -> None:
    """Lay out a course folder at ``root`` with ``chapter``'s source notebook, its assignment generated.

    ``nbgrader generate_assignment`` costs about 7 CPU-seconds, so a chapter is generated once into a template
    folder and copied for every course made from it; a new template is made when the source notebook or
    nbgrader_config.py changes.
    """
    root.mkdir(parents=True, exist_ok=True)
    if os.environ.get("COURSE_DB_URL"):  # the assignment goes into that database, not a copied file
        _generate(chapter, root)
        return
    shutil.copytree(_template(chapter), root, dirs_exist_ok=True)


TEMPLATES = Path(tempfile.gettempdir()) / "course-templates"  # shared by every process on the machine


def _template(chapter: str) -> Path:
    """A course folder with ``chapter`` generated from its current source, made once per machine.

    Several processes may ask at once (parallel test workers): each generates into a folder of its own and
    renames it into place, so a reader only ever sees a finished template.
    """
    digest = hashlib.sha256(source_notebook(chapter).read_bytes() + (REPO / "nbgrader_config.py").read_bytes())
    template = TEMPLATES / f"{chapter}-{digest.hexdigest()[:16]}"
    if template.is_dir():
        return template
    TEMPLATES.mkdir(exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{chapter}-", dir=TEMPLATES))
    building.chmod(0o755)  # copytree gives a course made from it this mode, as a fresh folder would have
    try:
        _generate(chapter, building)
        with contextlib.suppress(OSError):  # another process got there first: theirs is as good
            building.rename(template)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return template


def make_course_from_scratch(chapter: str, root: Path, notebook: Path | None = None) -> None:
    """``make_course`` without the template: what it costs every time (the benchmark compares the two), or
    from another version of the chapter's source ``notebook`` (the benchmark grades an earlier one)."""
    _generate(chapter, root, notebook)


def _generate(chapter: str, root: Path, notebook: Path | None = None) -> None:
    """Copy the course's config and ``chapter``'s source notebook (or ``notebook``) into ``root`` and generate
    the assignment."""
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "source" / chapter).mkdir(parents=True)
    shutil.copy(notebook or source_notebook(chapter), root / "source" / chapter / f"{chapter}.ipynb")
    done = nbgrader(["generate_assignment", chapter, "--force"], cwd=root)
    if done.returncode != 0:
        raise GradingError(f"nbgrader generate_assignment {chapter} failed:\n{done.stderr[-3000:]}")


def db_url(root: Path) -> str:
    """The gradebook a course folder made here uses: ``COURSE_DB_URL`` (as nbgrader_config.py reads it) or
    the folder's own SQLite file."""
    return os.environ.get("COURSE_DB_URL") or f"sqlite:///{root / 'gradebook.db'}"


def notebook_at(path: Path, chapter: str | None = None) -> Path:
    """The notebook to grade at ``path``: that file, or in a chapter's folder the chapter's notebook.

    A learner's notebook goes missing by being renamed or duplicated (JupyterLab's copy is
    ``ch04_threads-Copy1.ipynb``): the error then lists the notebooks that are there instead.
    """
    if path.is_dir() and (chapter or path.name) in chapters():
        path = path / f"{chapter or path.name}.ipynb"
    if path.is_file():
        return path
    folder = path if path.is_dir() else path.parent
    found = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
    if found:
        raise GradingError(f"No notebook at {path}; {folder} holds {', '.join(found)}. Grade the one with your "
                           f"answers by its path, e.g. ./dev grade {folder / found[0]}")
    raise GradingError(f"No notebook at {path}, nor any other in {folder}. Give the path of your .ipynb file, for "
                       f"example mywork/ch04_threads/ch04_threads.ipynb (./dev lab puts a fresh copy of each released "
                       f"notebook into mywork/ where one is missing).")


def _cell_ids(cells: list[dict]) -> set[str]:
    """The grade_ids of the nbgrader cells among ``cells`` (plain JSON or nbformat's)."""
    return {i for c in cells if (i := c.get("metadata", {}).get("nbgrader", {}).get("grade_id"))}


def _exercise_ids(chapter: str) -> set[str]:
    """The grade_ids of ``chapter``'s solution and check cells."""
    return {i for ex in exercises(chapter) for i in ex.grade_ids + ex.solution_ids}  # checkpoints' ids recur


def _chapter_owning(ids: set[str]) -> str | None:
    """The chapter that some of these grade_ids belong to, if any."""
    return next((chapter for chapter in chapters() if ids & _exercise_ids(chapter)), None)


def check_notebook(path: Path, chapter: str) -> None:
    """Fail with what is wrong and what to do when ``path`` is not a notebook of ``chapter``.

    nbgrader fails on each of these too, but with a traceback that names neither ("Notebook does not appear
    to be JSON", "could not be converted from version 1 to version 2", "the nbgrader metadata may be
    corrupted").
    """
    source_notebook(chapter)  # an unknown chapter says so first
    fresh = f"start over from release/{chapter}/{chapter}.ipynb and paste your answers in"
    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
    except ValueError as exc:  # UnicodeDecodeError is one too
        raise GradingError(f"{path} is not a readable notebook: it is not valid JSON ({exc}), so it was probably "
                           f"cut short while being saved or copied. If it is open in JupyterLab, save it again; "
                           f"otherwise {fresh}.") from exc
    try:
        cells = nbformat.reads(text, as_version=4).cells
    except Exception as exc:  # nbformat raises several kinds for JSON that is no notebook
        raise GradingError(f"{path} is not a readable notebook: it is JSON, but not a Jupyter notebook "
                           f"({exc.__class__.__name__}: {str(exc)[:200]}). Grade the .ipynb file you answered "
                           f"the exercises in, or {fresh}.") from exc
    ids = _cell_ids(cells)
    if ids & _exercise_ids(chapter):
        return
    if other := _chapter_owning(ids):
        raise GradingError(f"{path.name} is the notebook of {other}, not of {chapter}. Grade it as what it is "
                           f"(--chapter {other}); to hand in {chapter}, {fresh}.")
    raise GradingError(f"{path.name} has none of {chapter}'s exercise cells: it is another notebook, or its cells "
                       f"lost their nbgrader metadata. {fresh.capitalize()}.")


def failure_messages(autograded: Path) -> dict[str, str]:
    """For each grade cell of an autograded notebook, the error it ended with (if any)."""
    messages = {}
    for cell in nbformat.read(autograded, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if grade_id and errors:
            messages[grade_id] = f"{errors[-1].get('ename', 'Error')}: {errors[-1].get('evalue', '')}".strip()
    return messages


def _read_grades(root: Path, chapter: str, student: str) -> dict[str, CellGrade]:
    from nbgrader.api import Gradebook, MissingEntry

    autograded = root / "autograded" / student / chapter / f"{chapter}.ipynb"
    if not autograded.is_file():
        return {}
    messages = failure_messages(autograded)
    with Gradebook(db_url(root)) as gb:
        try:
            notebook = gb.find_submission_notebook(chapter, chapter, student)
        except MissingEntry:
            return {}
        return {
            g.name: CellGrade(g.name, float(g.score or 0), float(g.max_score), messages.get(g.name, ""))
            for g in notebook.grades
        }


def autograde(chapter: str, notebooks: dict[str, Path], workdir: Path | None = None, jobs: int = 1) -> dict[str, Submission]:
    """Autograde each student's notebook for ``chapter``; return what nbgrader gave each of them.

    ``notebooks`` maps a student id to a notebook path. They are submitted to one throwaway course and
    graded by the instructor's parallel grader (``course.grading.parallel_grading``), ``jobs`` at a time,
    each worker loading nbgrader once. A submission nbgrader could not grade comes back with no cells and
    nbgrader's log, so that the caller can say why.
    """
    from course.grading import parallel_grading

    for path in notebooks.values():
        check_notebook(Path(path), chapter)
    with tempfile.TemporaryDirectory(prefix=f"grade-{chapter}-", dir=workdir) as tmp:
        root = Path(tmp)
        make_course(chapter, root)
        for student, path in notebooks.items():
            target = root / "submitted" / student / chapter
            target.mkdir(parents=True)
            shutil.copy(path, target / f"{chapter}.ipynb")
        logs = {r.student: r.log for r in parallel_grading.grade_chapter(root, chapter, jobs, force=True, quiet=True)}
        return {s: Submission(s, _read_grades(root, chapter, s), logs.get(s, "")) for s in notebooks}


def with_cells_replaced(notebook: Path, sources: dict[str, str], out: Path) -> Path:
    """Write ``notebook`` to ``out`` with the source of each cell whose grade_id is in ``sources`` replaced.

    This is how the tests turn a released notebook into a student's submission.
    """
    nb = nbformat.read(notebook, as_version=4)
    missing = set(sources)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source = sources[grade_id]
            missing.discard(grade_id)
    if missing:
        raise GradingError(f"{notebook} has no cells with grade_id {sorted(missing)}")
    nbformat.write(nb, out)
    return out


def chapter_of(path: Path) -> str:
    """The chapter a notebook belongs to: its file name, or failing that its grade cells' ids."""
    if path.stem in chapters():
        return path.stem
    try:
        chapter = _chapter_owning(_cell_ids(json.loads(path.read_text())["cells"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        chapter = None
    if chapter:
        return chapter
    raise GradingError(
        f"Cannot tell which chapter {path.name} belongs to. Keep the released file name "
        f"(one of: {', '.join(c + '.ipynb' for c in chapters())}) or pass --chapter."
    )
