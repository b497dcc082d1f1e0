"""nbgrader configuration of the course's labs (this folder is the nbgrader course directory).

Run nbgrader from this folder (the Makefile's release/autograde/feedback/grades targets do).
Autograding does not execute the submission in a Jupyter kernel: ``IsolatedExecute`` judges each
autograded test cell in fresh processes (see ``autograder/`` and the instructors' guide).
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import nbgrader  # noqa: E402
from autograder.export import LmsExport  # noqa: E402
from autograder.feedback import InlineMathJax  # noqa: E402
from autograder.late import PercentPerDay  # noqa: E402
from autograder.preprocessor import IsolatedExecute, RestoreCells  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests,  # noqa: E402
                                    ClearOutput, DeduplicateIds, GetGrades, IgnorePattern, LimitOutput,
                                    OverwriteKernelspec, SaveAutoGrades)

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.course_id = "dnn-course"
# The gradebook: a SQLite file here, or a server database named by GRADEBOOK_URL for every nbgrader command
# (several graders, a hub), e.g. postgresql+psycopg2://grader@dbhost/gradebook
c.CourseDirectory.db_url = os.environ.get("GRADEBOOK_URL") or f"sqlite:///{HERE / 'gradebook.db'}"
# The exchange through which labs are released, submitted and returned on a hub (nbgrader's default root;
# `make hub` creates it, NBGRADER_EXCHANGE names another).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Releasing: solutions become a stub, hidden tests disappear; metadata is enforced.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.enforce_metadata = True
c.ClearHiddenTests.enforce_metadata = True
# Grade cells and read-only cells are locked in the student's notebook (they cannot edit or delete them).
c.LockCells.lock_grade_cells = True
c.LockCells.lock_readonly_cells = True
c.LockCells.lock_solution_cells = True

# Autograding: restore grade cells a student deleted; overwrite edited ones with the original tests;
# a cell the student marked as a grade cell of their own is graded as an ordinary added cell.
c.RestoreCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [IsolatedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
# The autograder's three time limits and two caps; every other limit is derived from them.
c.IsolatedExecute.call_timeout = 5.0    # seconds for one call of a student's function
c.IsolatedExecute.test_timeout = 60.0   # seconds for one test cell, all its calls included
c.IsolatedExecute.cell_timeout = 20.0   # seconds for each of the submission's own cells (run once)
c.IsolatedExecute.memory_limit = 2048   # MiB of address space per process of a submission
c.IsolatedExecute.process_limit = 8     # processes a submission may run at once
# Blocked modules are absent from the sandbox's file system. dlcore.testing holds the tests' oracles:
# the judge uses it, a submission never sees it.
# dlcore.testing holds the tests' oracles, dlcore.chapters the chapters' experiments: no lab needs either
c.IsolatedExecute.always_blocked = ["jax", "tensorflow", "autograd", "dlcore.testing", "dlcore.chapters"]
c.IsolatedExecute.blocked_modules = {
    # each lab's functions must be the student's own, not the library's that solves the same task
    "lab1_logistic_regression": ["torch", "dlcore.activations", "dlcore.logistic", "dlcore.losses",
                                 "sklearn.linear_model"],
    "lab2_perceptron": ["dlcore.perceptron", "dlcore.separability", "sklearn.linear_model", "scipy.optimize"],
    # lab3 is about implementing the delta recursion: no autograd, no library backprop
    "lab3_backpropagation": ["torch", "dlcore.backprop", "dlcore.mlp", "dlcore.gradcheck", "sklearn.neural_network"],
}
# lab1 asks for numerically stable formulas: an overflow warning in a student's function fails its test
c.IsolatedExecute.warnings_as_errors = ["lab1_logistic_regression"]
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 20

# Validating (a student's "Validate" button, and `nbgrader validate`) runs the notebook in a kernel.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Late submissions (after a due date set by `make roster`) lose 10 % of their score per day or part of a day.
c.AssignLatePenalties.plugin_class = PercentPerDay
c.PercentPerDay.percent_per_day = 10.0
# `make grades`: grades.csv (a row per student of the roster, a column per lab) and grades_by_test.csv.
c.ExportApp.plugin_class = LmsExport

# Feedback: each test's result and message, but not the source of the hidden tests; MathJax 3 inside the page.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor, InlineMathJax]
# The course's pages (templates/): the feedback (course_feedback) names each test by what it checks and wraps
# messages; the formgrader's grading view (course_formgrade) loads MathJax 2 from HTMLExporter.mathjax_url,
# which the repository's jupyter_server_config.py points at the server the formgrader runs in. The feedback's
# settings are its own (GenerateFeedback.HTMLExporter): the formgrader's exporter reads the plain HTMLExporter's.
TEMPLATES = [str(HERE / "templates"),
             str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates")]
c.GenerateFeedback.HTMLExporter.template_name = "course_feedback"
c.GenerateFeedback.HTMLExporter.template_file = "course_feedback.html.j2"
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = TEMPLATES
c.HTMLExporter.template_name = "course_formgrade"
c.HTMLExporter.template_file = "course_formgrade.html.j2"
c.HTMLExporter.extra_template_basedirs = TEMPLATES
