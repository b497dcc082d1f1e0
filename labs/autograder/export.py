"""Grades for a learning management system, as an nbgrader export plugin (``make grades``).

``grades.csv``: one row per student in the gradebook, by id (the roster, ``make roster``): ``id``, ``name``,
``email``, one column per lab with its score after any late penalty (empty when the lab was never
submitted, so that an LMS shows it as missing rather than as a zero), and ``total`` (the sum of the labs
submitted). ``grades_by_test.csv`` (beside it): one row per student, lab and graded cell, with its
points, its maximum and its status: ``full marks``, ``part marks``, ``no marks``, ``needs grading`` (a
written answer not graded by hand yet) or ``not submitted``; late penalties are per lab, in
``grades.csv`` only.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin


def status(grade) -> str:
    """What a graded cell's points mean for a student."""
    if grade.needs_manual_grade and grade.manual_score is None:
        return "needs grading"
    if grade.score >= grade.max_score:
        return "full marks"
    return "part marks" if grade.score > 0 else "no marks"


class LmsExport(ExportPlugin):
    """``grades.csv`` (a row per student, a column per lab) and ``grades_by_test.csv`` (a row per graded cell)."""

    def export(self, gradebook) -> None:
        destination = Path(self.to or "grades.csv")
        by_test = destination.with_name(f"{destination.stem}_by_test{destination.suffix}")
        labs = [lab for lab in gradebook.assignments if not self.assignment or lab.name in self.assignment]
        students = sorted((student for student in gradebook.students if not self.student or student.id in self.student),
                          key=lambda student: student.id)
        with open(destination, "w", newline="") as summary, open(by_test, "w", newline="") as details:
            rows = csv.writer(summary)
            cells = csv.writer(details)
            rows.writerow(["id", "name", "email", *(lab.name for lab in labs), "total"])
            cells.writerow(["id", "lab", "cell", "points", "max_points", "status"])
            for student in students:
                scores = [self._lab(gradebook, lab, student, cells) for lab in labs]
                total = sum(score for score in scores if score is not None)
                rows.writerow([student.id, full_name(student), student.email or "",
                               *("" if score is None else f"{score:g}" for score in scores), f"{total:g}"])
        self.log.info("Wrote %s and %s", destination, by_test)

    @staticmethod
    def _lab(gradebook, lab, student, cells) -> float | None:
        """The lab's score after its late penalty (None if never submitted); its cells' rows written to ``cells``."""
        try:
            submission = gradebook.find_submission(lab.name, student.id)
        except MissingEntry:
            for notebook in lab.notebooks:
                for cell in notebook.grade_cells:
                    cells.writerow([student.id, lab.name, cell.name, "", f"{cell.max_score:g}", "not submitted"])
            return None
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cells.writerow([student.id, lab.name, grade.name, f"{grade.score:g}", f"{grade.max_score:g}",
                                status(grade)])
        return submission.score - (submission.late_submission_penalty or 0.0)


def full_name(student) -> str:
    return " ".join(part for part in (student.first_name, student.last_name) if part)
