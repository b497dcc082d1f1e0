"""Put the class roster and the labs' due dates into the gradebook: ``make roster``.

``labs/roster.csv`` lists the students, one per line under the header ``id,name,email`` (the id is the
student's folder name under ``submitted/`` and their hub login); ``labs/due_dates.csv`` gives each lab's
due date under the header ``lab,due``, with a time zone (``2027-02-05 17:00 UTC``). Copy the
``.example.csv`` files beside them to start. Run it again after any change: students and labs are
updated, never removed. A lab submitted after its due date loses points by the course's late policy
(``autograder/late.py``); ``make grades`` lists every student of the roster, with or without submissions.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.utils import parse_utc  # noqa: E402

from autograder.grading import course_config  # noqa: E402

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class RosterError(ValueError):
    """A roster or due-date file that cannot be read as the course needs it."""


def read_rows(path: Path, header: list[str]) -> list[dict]:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if [name.strip() for name in reader.fieldnames or []] != header:
            raise RosterError(f"{path}: the first line must be {','.join(header)}; got {reader.fieldnames}")
        return [{key.strip(): (value or "").strip() for key, value in row.items()} for row in reader]


def read_roster(path: Path) -> list[dict]:
    """The students of ``path`` (id, name, email), each id once and usable as a folder name."""
    students = read_rows(path, ["id", "name", "email"])
    seen = set()
    for line, student in enumerate(students, start=2):
        if not STUDENT_ID.match(student["id"]):
            raise RosterError(f"{path}, line {line}: the id {student['id']!r} must be letters, digits, '.', '_' "
                              "or '-' (it names the student's folder)")
        if student["id"] in seen:
            raise RosterError(f"{path}, line {line}: the id {student['id']!r} appears twice")
        if student["email"] and "@" not in student["email"]:
            raise RosterError(f"{path}, line {line}: {student['email']!r} is not an e-mail address")
        seen.add(student["id"])
    return students


def read_due_dates(path: Path, labs: set[str]) -> dict[str, object]:
    """Each lab's due date (naive UTC, as nbgrader stores it), for labs the course has."""
    due = {}
    for line, row in enumerate(read_rows(path, ["lab", "due"]), start=2):
        if row["lab"] not in labs:
            raise RosterError(f"{path}, line {line}: no lab is called {row['lab']!r}; the labs are {sorted(labs)}")
        try:
            due[row["lab"]] = parse_utc(row["due"])
        except (ValueError, OverflowError) as error:
            raise RosterError(f"{path}, line {line}: cannot read the date {row['due']!r} ({error})") from None
    return due


def split_name(name: str) -> tuple[str, str]:
    """(first names, last name), as nbgrader stores them; a single name is a first name."""
    *first, last = name.split() or [""]
    return (" ".join(first), last) if first else (last, "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", type=Path, default=HERE, help="the nbgrader course folder (default: labs/)")
    args = parser.parse_args(argv)
    roster, dates = args.course / "roster.csv", args.course / "due_dates.csv"
    if not roster.exists() and not dates.exists():
        print(f"Nothing to import: write {roster} and {dates} (copy the .example.csv files beside them).",
              file=sys.stderr)
        return 1
    labs = {path.name for path in (args.course / "source").iterdir() if path.is_dir()}
    try:
        students = read_roster(roster) if roster.exists() else []
        due = read_due_dates(dates, labs) if dates.exists() else {}
    except (RosterError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    directory = course_config(args.course).CourseDirectory
    with Gradebook(directory.db_url, directory.course_id) as gradebook:
        for student in students:
            first, last = split_name(student["name"])
            gradebook.update_or_create_student(student["id"], first_name=first, last_name=last,
                                               email=student["email"] or None)
        for lab, date in due.items():
            gradebook.update_or_create_assignment(lab, duedate=date)
    print(f"The gradebook has {len(students)} students from {roster.name} and due dates for {sorted(due)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
