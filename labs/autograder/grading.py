"""Grade a whole class: every submission once, in parallel, resumable, and the gradebook written here only.

A *grading run* finds the submissions (``submitted/<student>/<lab>/``), skips those already graded
and unchanged since, and grades the rest with nbgrader's own ``Autograde``, several at a time: each
in a thread of this process, which holds the bookkeeping lock (:func:`autograder.engines.bookkeeping`)
while nbgrader reads the submission and writes the gradebook and the autograded notebook, and lets
go of it while the notebook is judged by the engine (warm judge hosts here, or a Dask cluster).

A submission is *done* when its autograded folder holds ``.autograded.json``, written after nbgrader
saved its grades, with a fingerprint of the submitted files: a run that was interrupted (Ctrl-C, a
machine restart) leaves no such file for what it had not finished, and the next run grades exactly
that, plus any resubmission (its fingerprint changed); ``force`` grades everything again.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import nbgrader.utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader
from tqdm import tqdm

from autograder import engines

MARKER = ".autograded.json"
EXCEPTION_LINE = re.compile(r"^(?:\w+\.)*\w*(?:Error|Exception|Unavailable|Died): ")


@dataclass(frozen=True, order=True)
class Job:
    """One submission: a student's folder for one lab."""
    student: str
    lab: str


@dataclass
class Outcome:
    """What grading one submission gave: its score (None if it could not be graded) and how long it took."""
    student: str
    lab: str
    score: float | None
    max_score: float | None
    seconds: float
    failed_tests: int | None
    error: str | None = None


def course_config(course: Path, **overrides):
    """The course's nbgrader configuration (its ``nbgrader_config.py``), with ``overrides`` such as
    ``{"CourseDirectory": {"db_url": ...}}`` applied."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    for section, values in overrides.items():
        for name, value in values.items():
            setattr(config[section], name, value)
    return config


def find_jobs(course: Path, labs=None, students=None) -> list[Job]:
    """Every submission of a lab the course has, optionally only of the named labs and students."""
    known = {path.name for path in (course / "source").iterdir() if path.is_dir()}
    jobs = [Job(folder.parent.name, folder.name) for folder in (course / "submitted").glob("*/*")
            if folder.is_dir() and folder.name in known and not folder.parent.name.startswith(".")]
    return sorted(job for job in jobs if (not labs or job.lab in labs) and (not students or job.student in students))


def fingerprint(course: Path, job: Job) -> str:
    """A hash of the submitted files (names and contents): it changes when the student resubmits."""
    digest = hashlib.sha256()
    folder = course / "submitted" / job.student / job.lab
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _marker(course: Path, job: Job) -> Path:
    return course / "autograded" / job.student / job.lab / MARKER


def is_done(course: Path, job: Job) -> bool:
    """Graded to the end, and not resubmitted since."""
    try:
        return json.loads(_marker(course, job).read_text())["fingerprint"] == fingerprint(course, job)
    except (OSError, ValueError, KeyError):
        return False


def grade_one(course: Path, config, job: Job) -> Outcome:
    """Autograde one submission with nbgrader (judged by the current engine); mark it done if it worked."""
    start = time.perf_counter()
    log, messages = _submission_log(job)
    with engines.bookkeeping():
        _marker(course, job).unlink(missing_ok=True)
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id, coursedir.student_id = job.lab, job.student
        autograde = Autograde(coursedir=coursedir, config=config, log=log)
        autograde.force = True
        try:
            autograde.start()
            error = None
        except (NbGraderException, engines.GradingUnavailable) as failure:
            error = _first_error(messages.getvalue()) or str(failure)
        outcome = _scores(coursedir, job, time.perf_counter() - start, error)
        if error is None:
            _marker(course, job).write_text(json.dumps({"fingerprint": fingerprint(course, job), **asdict(outcome)}))
    return outcome


def _submission_log(job: Job):
    """A logger of this submission's own, kept in memory (nbgrader's messages go to the run's log file too)."""
    log = logging.getLogger(f"autograde.{job.student}.{job.lab}")
    messages = io.StringIO()
    handler = logging.StreamHandler(messages)
    handler.setLevel(logging.WARNING)
    log.handlers = [handler]
    log.setLevel(logging.INFO)
    return log, messages


def _first_error(text: str) -> str | None:
    """The exception nbgrader logged for a submission (the last line of its traceback), else its first error."""
    raised = [line for line in text.splitlines() if EXCEPTION_LINE.match(line)]
    errors = [line for line in text.splitlines() if "error" in line.lower()]
    return (raised[-1:] or errors[:1] or [None])[0]


def _scores(coursedir: CourseDirectory, job: Job, seconds: float, error: str | None) -> Outcome:
    if error is not None:
        return Outcome(job.student, job.lab, None, None, seconds, None, error)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        submission = gradebook.find_submission(job.lab, job.student)
        grades = [grade for notebook in submission.notebooks for grade in notebook.grades]
        failed = sum(1 for grade in grades if grade.cell_type == "code" and grade.auto_score is not None
                     and grade.auto_score < grade.max_score)
        return Outcome(job.student, job.lab, submission.score, submission.max_score, seconds, failed)


class Interrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C); ``outcomes`` holds what was finished."""

    def __init__(self, outcomes):
        super().__init__()
        self.outcomes = outcomes


def grade_class(course: Path, config, jobs: list[Job], threads: int, progress: bool | None = None) -> list[Outcome]:
    """Grade ``jobs``, ``threads`` submissions at a time; on Ctrl-C, raise ``Interrupted`` with what was finished.

    The progress bar shows when ``progress`` is true, or is None and the output is a terminal.
    """
    original, nbgrader.utils.setenv = nbgrader.utils.setenv, _set_for_the_run
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="grade")
    bar = tqdm(total=len(jobs), unit="notebook", desc="autograding", disable=None if progress is None else not progress,
               dynamic_ncols=True)
    futures = [executor.submit(grade_one, course, config, job) for job in jobs]
    try:
        for future in as_completed(futures):
            future.result()
            bar.update()
    except KeyboardInterrupt:
        engines.current().close()  # submissions being judged end ungraded; none is marked done
        executor.shutdown(wait=True, cancel_futures=True)
        raise Interrupted(_finished(futures)) from None
    finally:
        bar.close()
        executor.shutdown(wait=True)
        nbgrader.utils.setenv = original
    return _finished(futures)


@contextmanager
def _set_for_the_run(**variables):
    """Replaces ``nbgrader.utils.setenv`` in a grading run: nbgrader sets NBGRADER_EXECUTION around each
    notebook and then deletes it (it looks up the old value under the wrong key), which raises KeyError
    in one thread when another thread deleted it first. Here it is set, and stays set for the run."""
    os.environ.update(variables)
    yield


def _finished(futures) -> list[Outcome]:
    outcomes = [future.result() for future in futures if future.done() and not future.cancelled()]
    return sorted(outcomes, key=lambda outcome: (outcome.student, outcome.lab))


def gradebook_scores(db_url: str, course_id: str) -> dict[tuple[str, str], dict[str, float | None]]:
    """Every autograded score in the gradebook: ``{(student, lab): {grade cell: auto_score}}``."""
    scores = {}
    with Gradebook(db_url, course_id) as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                try:
                    notebooks = gradebook.find_submission(assignment.name, submission.student.id).notebooks
                except MissingEntry:
                    continue
                scores[submission.student.id, assignment.name] = {
                    grade.name: grade.auto_score for notebook in notebooks for grade in notebook.grades}
    return scores


def summary_table(outcomes: list[Outcome]) -> str:
    """One line per submission: student, lab, score, seconds, failed tests (or why it could not be graded)."""
    lines = [f"{'student':<14} {'lab':<26} {'score':>11} {'seconds':>8}  failed tests"]
    for outcome in outcomes:
        score = f"{outcome.score:g} / {outcome.max_score:g}" if outcome.score is not None else "-"
        tail = str(outcome.failed_tests) if outcome.error is None else f"NOT GRADED: {outcome.error[:200]}"
        lines.append(f"{outcome.student:<14} {outcome.lab:<26} {score:>11} {outcome.seconds:>8.1f}  {tail}")
    return "\n".join(lines)
