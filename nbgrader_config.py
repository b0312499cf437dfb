"""nbgrader configuration for the course: works as it is, from the repository root.

Every setting here answers a problem that stock nbgrader 0.9.6 has with a concurrency course;
the comments say which.
"""
import os
import tempfile
from pathlib import Path

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

HERE = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "python-concurrency"
c.CourseDirectory.root = str(HERE)
# The gradebook: SQLite in the course folder for one person; for a class, where several graders write at
# once (nbgrader's FAQ: SQLite cannot take that), a PostgreSQL URL such as
# postgresql://grader@db.example.edu/python_concurrency (psycopg 3, in requirements.txt).
if os.environ.get("COURSE_DB_URL"):
    c.CourseDirectory.db_url = os.environ["COURSE_DB_URL"]
# One assignment per chapter: the folder source/<chapter>/ is the assignment <chapter>.

# The exchange defaults to /usr/local/share/nbgrader/exchange, which a student or a fresh machine
# cannot write. NBGRADER_EXCHANGE overrides this per-user default (a shared folder on a real course).
c.Exchange.root = os.environ.get(
    "NBGRADER_EXCHANGE", str(Path(tempfile.gettempdir()) / "nbgrader-exchange-python-concurrency")
)

# A student's deadlock must cost one cell, never the whole submission. Each hidden test bounds
# itself in seconds (course.grading); this per-cell timeout is the backstop for code that hangs
# outside a test. With nbclient's default iopub handling, a cell that hangs, is interrupted and then
# stays quiet makes nbgrader discard the whole notebook, so iopub silence must not raise.
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "60"))  # the tests shorten it
c.Execute.interrupt_on_timeout = True
c.Execute.iopub_timeout = 30
c.Execute.raise_on_iopub_timeout = False
# Grade with the kernel that every install of the course has (ipykernel's own), whatever
# kernel name the student's copy of the notebook carries.
c.Execute.kernel_name = "python3"

# Feedback must not show the hidden tests (stock generate_feedback does).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]

# A kernel that dies (os._exit, a crash) or hangs ignoring the interrupt must not cost the whole
# submission, nor keep the grader waiting a full timeout per remaining cell: RobustExecute marks the
# rest of the notebook as not run, with the reason, and grading goes on (course/grading/robust_execute.py).
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402

from course.grading.policy_check import PolicyCheck  # noqa: E402
from course.grading.robust_execute import RobustExecute  # noqa: E402

# It also bounds each submission as a whole: grading one notebook may take COURSE_NOTEBOOK_TIMEOUT seconds in all
# (default 300; or set c.RobustExecute.notebook_timeout), so a notebook whose every cell waits out the cell timeout
# costs that much, not cells × timeout; and what its kernel sends (outputs, widget state) is capped.
# Before anything runs, every cell the student wrote or changed is checked against the grading policy: a cell that
# breaks it is not run and its exercise scores 0 (course/grading/policy.py, course/grading/policy_check.py).
c.Autograde.autograde_preprocessors = [PolicyCheck] + [
    RobustExecute if step is Execute else step
    for step in Autograde.class_traits()["autograde_preprocessors"].default()
]

# A damaged submission must get a clear outcome and never stop the run for everyone: a copy-pasted check
# cell makes stock nbgrader abort the whole autograde, a deleted one keeps a previous run's full marks, and
# another chapter's notebook fails with "the nbgrader metadata may be corrupted". SubmissionChecks, run
# just before CheckCellMetadata, fixes each of these; RestoreCellRoles, run before OverwriteCells, undoes
# edits to a cell's nbgrader metadata (a check switched off), which would fail the submission
# (course/grading/submission_checks.py).
from nbgrader.preprocessors import CheckCellMetadata, OverwriteCells  # noqa: E402

from course.grading.submission_checks import RestoreCellRoles, SubmissionChecks  # noqa: E402

_sanitize = Autograde.class_traits()["sanitize_preprocessors"].default()
_overwrite, _check = _sanitize.index(OverwriteCells), _sanitize.index(CheckCellMetadata)
c.Autograde.sanitize_preprocessors = [*_sanitize[:_overwrite], RestoreCellRoles, *_sanitize[_overwrite:_check],
                                      SubmissionChecks, *_sanitize[_check:]]

# A checkpoint (a question in the middle of a chapter) must not stop a learner's Run All as an unanswered
# exercise does: its released answer cell is "answer = None", not nbgrader's raising stub
# (course/grading/checkpoint_stubs.py).
from nbgrader.converters import GenerateAssignment  # noqa: E402
from nbgrader.preprocessors import ClearSolutions  # noqa: E402

from course.grading.checkpoint_stubs import CheckpointStubs  # noqa: E402

_generate = GenerateAssignment.class_traits()["preprocessors"].default()
_cleared = _generate.index(ClearSolutions) + 1
c.GenerateAssignment.preprocessors = [*_generate[:_cleared], CheckpointStubs, *_generate[_cleared:]]
