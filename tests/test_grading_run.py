"""The grading run's own logic, without running nbgrader: which submissions it grades, when one counts as
done, what it prints, and the checks a Dask worker makes."""

import json
import sys

import pytest

from test_labs import ROOT

sys.path.insert(0, str(ROOT / "labs"))

from autograder import engines, grading  # noqa: E402


@pytest.fixture
def course(tmp_path):
    for lab in ("lab1", "lab2"):
        (tmp_path / "source" / lab).mkdir(parents=True)
    for student, lab in [("alice", "lab1"), ("alice", "lab2"), ("bob", "lab1"), ("bob", "unknown_lab"),
                         (".hidden", "lab1")]:
        folder = tmp_path / "submitted" / student / lab
        folder.mkdir(parents=True)
        (folder / f"{lab}.ipynb").write_text(f"{student} {lab}")
    return tmp_path


def test_the_jobs_are_the_submissions_of_the_course_s_labs_filtered_as_asked(course):
    Job = grading.Job
    assert grading.find_jobs(course) == [Job("alice", "lab1"), Job("alice", "lab2"), Job("bob", "lab1")]
    assert grading.find_jobs(course, labs=["lab1"], students=["bob"]) == [Job("bob", "lab1")]


def test_a_submission_is_done_only_with_a_marker_of_its_current_files(course):
    job = grading.Job("alice", "lab1")
    assert not grading.is_done(course, job)
    marker = course / "autograded" / "alice" / "lab1" / grading.MARKER
    marker.parent.mkdir(parents=True)
    marker.write_text(json.dumps({"fingerprint": grading.fingerprint(course, job)}))
    assert grading.is_done(course, job)
    (course / "submitted" / "alice" / "lab1" / "lab1.ipynb").write_text("resubmitted")
    assert not grading.is_done(course, job), "a resubmission must be graded again"
    marker.write_text("{ half-written")
    assert not grading.is_done(course, job)


def test_the_summary_has_a_line_per_submission_with_score_seconds_and_failures():
    outcomes = [grading.Outcome("alice", "lab1", 7.0, 10.0, 1.25, 2),
                grading.Outcome("bob", "lab1", None, None, 0.5, None, "NotJSONError: not a notebook")]
    lines = grading.summary_table(outcomes).splitlines()
    assert lines[0].split() == ["student", "lab", "score", "seconds", "failed", "tests"]
    assert lines[1].split() == ["alice", "lab1", "7", "/", "10", "1.2", "2"]
    assert "NOT GRADED: NotJSONError: not a notebook" in lines[2]


def test_the_reason_a_submission_was_not_graded_is_the_exception_nbgrader_logged():
    log = "There was an error processing assignment\nTraceback (most recent call last):\n  File \"x\"\n" \
          "autograder.engines.GradingUnavailable: the Dask cluster could not judge this notebook\n"
    assert grading._first_error(log) == "autograder.engines.GradingUnavailable: the Dask cluster could not judge " \
                                        "this notebook"


def test_a_worker_with_other_autograder_code_refuses_to_judge():
    with pytest.raises(engines.GradingUnavailable, match="same version of the course"):
        engines.judge_on_worker({"tests": []}, 1.0, "not-this-version")


def test_a_stopped_local_engine_starts_no_judge():
    engine = engines.LocalEngine(1)
    engine.close()
    with pytest.raises(engines.GradingUnavailable, match="stopped"):
        engine.judge({"tests": [], "sandboxed": False}, 1.0)
