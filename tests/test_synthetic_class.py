"""The synthetic class of ``bench/synthetic_class.py``: what it writes, and how real nbgrader grades it.

A copy of the course in ``labs/`` is released with real nbgrader and a 12-student class written
into it; the notebooks are checked against the source and release notebooks, and one submission of
each kind of lab 2 is autograded with the course's configuration and scored from the gradebook.
"""

import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from test_labs import ROOT, copy_course, grade_cells, nbgrader, scores

sys.path.insert(0, str(ROOT / "bench"))

import synthetic_class  # noqa: E402

LABS = sorted(p.name for p in (ROOT / "labs" / "source").iterdir() if p.is_dir())
GRADED_LAB = "lab2_perceptron"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def notebook(course: Path, kind: str, lab: str, student: str | None = None):
    folder = course / kind / student / lab if student else course / kind / lab
    return nbformat.read(folder / f"{lab}.ipynb", 4)


def solutions(nb) -> dict[str, str]:
    meta = synthetic_class.nbgrader_meta
    return {meta(cell)["grade_id"]: cell.source for cell in nb.cells if meta(cell).get("solution")}


def class_files(course: Path, folder: Path, seed: int) -> dict[str, bytes]:
    """Every file of a 12-student class written with ``seed`` into a copy of the released course."""
    for part in ("source", "release"):
        shutil.copytree(course / part, folder / part)
    synthetic_class.make_class(folder, 12, seed)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted((folder / "submitted").rglob("*.ipynb"))}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A copy of the course with every lab released and a class of 12 students written: (course, kinds)."""
    course = copy_course(tmp_path_factory.mktemp("class"))
    for lab in LABS:
        nbgrader(course, "generate_assignment", lab, "--force")
    return course, synthetic_class.make_class(course, n_students=12, seed=0)


def test_every_kind_is_drawn_from_8_students_on_in_the_given_shares():
    for n in range(8, 200):
        counts = synthetic_class.quotas(n)
        assert sum(counts.values()) == n and all(counts[kind] >= 1 for kind in synthetic_class.SHARES), (n, counts)
    assert synthetic_class.quotas(100) == {"correct": 55, "partly wrong": 20, "empty": 10, "hostile": 15}


def test_a_lab_not_released_is_named(tmp_path):
    copy_course(tmp_path, ("source",))
    with pytest.raises(FileNotFoundError, match=r"release/lab1_logistic_regression/lab1_logistic_regression\.ipynb"):
        synthetic_class.make_class(tmp_path, 12)


@pytest.mark.slow
def test_every_lab_has_every_kind_of_submission(released):
    course, kinds = released
    assert len(kinds) == 12 * len(LABS)
    for lab in LABS:
        assert {kind for (_, of), kind in kinds.items() if of == lab} == set(synthetic_class.SHARES), lab
        assert len(list((course / "submitted").glob(f"*/{lab}/{lab}.ipynb"))) == 12


@pytest.mark.slow
def test_each_notebook_is_valid_and_keeps_the_release_cells_ids_and_metadata(released):
    course, kinds = released
    for (student, lab), kind in kinds.items():
        nb = notebook(course, "submitted", lab, student)
        nbformat.validate(nb)
        release = {cell.id: cell for cell in notebook(course, "release", lab).cells}
        assert nb.metadata == notebook(course, "release", lab).metadata
        for cell in nb.cells:
            assert cell.id in release and cell.metadata == release[cell.id].metadata, (student, lab, kind, cell.id)


@pytest.mark.slow
def test_no_submission_holds_a_hidden_test(released):
    course, kinds = released
    for lab in LABS:
        sources = [cell.source for cell in notebook(course, "source", lab).cells]
        # what a submission may hold: the release, and the solutions (some hidden tests repeat their lines)
        public = "\n".join([cell.source for cell in notebook(course, "release", lab).cells]
                           + list(solutions(notebook(course, "source", lab)).values()))
        hidden = [line.strip() for source in sources for block in HIDDEN.findall(source) for line in block.splitlines()
                  if len(line.strip()) > 20 and line.strip() not in public]
        assert hidden, f"expected hidden tests in the source of {lab}"
        for student in sorted({student for student, of in kinds if of == lab}):
            path = course / "submitted" / student / lab / f"{lab}.ipynb"
            assert "BEGIN HIDDEN TESTS" not in path.read_text()
            text = "\n".join(cell.source for cell in nbformat.read(path, 4).cells)
            assert not [line for line in hidden if line in text], (student, lab)


@pytest.mark.slow
def test_each_kind_holds_what_it_says(released):
    course, kinds = released
    for (student, lab), kind in kinds.items():
        nb, source = notebook(course, "submitted", lab, student), notebook(course, "source", lab)
        release = notebook(course, "release", lab)
        differing = [name for name, text in solutions(nb).items() if text != solutions(source)[name]]
        if kind == "correct":
            assert differing == [], (student, lab)
        elif kind == "empty":
            assert nb == release, (student, lab)
        elif kind == "partly wrong":
            code = {c.metadata.nbgrader["grade_id"] for c in synthetic_class.solution_code_cells(source)}
            assert 1 <= len(differing) <= 2 and set(differing) <= code, (student, lab, differing)
        else:
            assert nb != synthetic_class.filled(release, source), (student, lab)


@pytest.mark.slow
def test_the_same_seed_writes_the_same_bytes_and_another_seed_another_class(released, tmp_path):
    course, _ = released
    first = class_files(course, tmp_path / "first", 0)
    written = sorted((course / "submitted").rglob("*.ipynb"))
    assert first == {str(p.relative_to(course)): p.read_bytes() for p in written}
    assert class_files(course, tmp_path / "again", 0) == first
    other = class_files(course, tmp_path / "other", 1)
    assert other.keys() == first.keys() and other != first


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None and not os.environ.get("CI"),
                    reason="the sandbox needs Debian's bubblewrap (.ci/run installs it)")
def test_nbgrader_grades_each_kind_as_it_deserves(released, capsys):
    """Correct: full marks; empty: none; partly wrong: less than full; hostile: no more than correct."""
    course, kinds = released
    students = {kind: min(s for (s, lab), k in kinds.items() if lab == GRADED_LAB and k == kind)
                for kind in synthetic_class.SHARES}
    others = sorted({s for s, lab in kinds if lab == GRADED_LAB} - set(students.values()))
    start = time.perf_counter()
    nbgrader(course, "autograde", GRADED_LAB, "--force", f"--CourseDirectory.student_id_exclude={','.join(others)}")
    seconds = time.perf_counter() - start
    total = {kind: sum(scores(course, GRADED_LAB, student).values()) for kind, student in students.items()}
    with capsys.disabled():
        print(f"\n{GRADED_LAB}, one submission of each kind {students}: points {total}, autograded in {seconds:.1f} s")
    full = sum(grade_cells(GRADED_LAB).values())
    assert total["correct"] == full
    assert total["empty"] == 0
    assert total["partly wrong"] < full
    assert total["hostile"] <= total["correct"]
