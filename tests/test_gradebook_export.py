"""The roster, due dates, late penalties and the LMS export, as an instructor uses them.

A roster of four students (on time; one lab late; one lab never submitted; nothing submitted), due dates,
real autograding, then ``nbgrader export``: ``grades.csv`` has a row per student, an empty cell for a lab
never submitted, the late lab's score less 10 % per day or part of a day, and ``grades_by_test.csv``
says what every graded cell got.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import sys

import pytest

from test_labs import NBGRADER, ROOT, copy_course, grade_cells, nbgrader, notebook_path

sys.path.insert(0, str(ROOT / "labs"))

import roster  # noqa: E402

LABS = ["lab1_logistic_regression", "lab2_perceptron"]
DUE = "2026-01-10 17:00:00 UTC"
ON_TIME, LATE = "2026-01-09 12:00:00.000000 UTC", "2026-01-12 05:00:00.000000 UTC"  # 1.5 days late
STUDENTS = {"alice": ("Ada Lovelace", {LABS[0]: ON_TIME, LABS[1]: ON_TIME}),
            "bob": ("Alan Mathison Turing", {LABS[0]: LATE, LABS[1]: ON_TIME}),
            "carol": ("Grace", {LABS[1]: ON_TIME}),
            "dave": ("Edsger Dijkstra", {})}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The course after make roster, autograding and make grades: (grades.csv rows, grades_by_test.csv rows)."""
    course = copy_course(tmp_path_factory.mktemp("course"), ("source", "autograder", "nbgrader_config.py",
                                                               "autograde.py", "roster.py"))
    for lab in LABS:
        nbgrader(course, "generate_assignment", lab, "--force")
    (course / "roster.csv").write_text("id,name,email\n" + "".join(
        f"{student},{name},{student}@example.org\n" for student, (name, _) in STUDENTS.items()))
    (course / "due_dates.csv").write_text("lab,due\n" + "".join(f"{lab},{DUE}\n" for lab in LABS))
    assert roster.main(["--course", str(course)]) == 0
    for student, (_, submitted) in STUDENTS.items():
        for lab, timestamp in submitted.items():
            path = notebook_path(course, "submitted", lab, student)
            path.parent.mkdir(parents=True)
            shutil.copy(notebook_path(course, "source", lab), path)
            (path.parent / "timestamp.txt").write_text(timestamp)
    env = dict(os.environ, PATH=os.pathsep.join([str(NBGRADER.parent), os.environ.get("PATH", "")]))
    graded = subprocess.run([sys.executable, "autograde.py", "--jobs", "2"], cwd=course, env=env,
                            capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv") as summary, open(course / "grades_by_test.csv") as details:
        return list(csv.DictReader(summary)), list(csv.DictReader(details))


pytestmark = pytest.mark.slow


def full(lab: str) -> float:
    return sum(grade_cells(lab).values())


def test_every_student_of_the_roster_has_one_row_with_name_and_email(exported):
    rows, _ = exported
    assert [row["id"] for row in rows] == sorted(STUDENTS)
    for row in rows:
        assert row["name"] == STUDENTS[row["id"]][0]
        assert row["email"] == f"{row['id']}@example.org"


def test_a_lab_never_submitted_is_empty_not_zero_and_the_late_lab_loses_ten_percent_a_day(exported):
    rows = {row["id"]: row for row in exported[0]}
    days_late = math.ceil(1.5)
    expected = {"alice": [full(LABS[0]), full(LABS[1])],
                "bob": [full(LABS[0]) * (1 - 0.10 * days_late), full(LABS[1])],
                "carol": [None, full(LABS[1])],
                "dave": [None, None]}
    for student, scores in expected.items():
        got = [rows[student][lab] for lab in LABS]
        assert got == ["" if score is None else f"{score:g}" for score in scores], f"{student}: {rows[student]}"
        assert float(rows[student]["total"]) == pytest.approx(sum(score or 0 for score in scores))


def test_the_breakdown_has_every_graded_cell_of_every_student(exported):
    _, cells = exported
    for student, (_, submitted) in STUDENTS.items():
        for lab in LABS:
            mine = {row["cell"]: row for row in cells if row["id"] == student and row["lab"] == lab}
            assert set(grade_cells(lab)) <= set(mine), f"{student}/{lab} is missing cells"
            statuses = {mine[cell]["status"] for cell in grade_cells(lab)}
            assert statuses == ({"full marks"} if lab in submitted else {"not submitted"}), (student, lab, statuses)


def test_a_roster_with_a_repeated_or_unusable_id_is_refused_with_the_line(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("id,name,email\nalice,Ada,ada@example.org\nalice,Alan,alan@example.org\n")
    with pytest.raises(roster.RosterError, match="line 3: the id 'alice' appears twice"):
        roster.read_roster(path)
    path.write_text("id,name,email\n../etc,Eve,eve@example.org\n")
    with pytest.raises(roster.RosterError, match="line 2: the id '../etc' must be"):
        roster.read_roster(path)
    path.write_text("student,name,email\n")
    with pytest.raises(roster.RosterError, match="the first line must be id,name,email"):
        roster.read_roster(path)


def test_names_are_split_as_nbgrader_stores_them():
    assert roster.split_name("Alan Mathison Turing") == ("Alan Mathison", "Turing")
    assert roster.split_name("Grace") == ("Grace", "")
