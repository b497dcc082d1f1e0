"""A synthetic class of lab submissions, to benchmark and test the autograder on a realistic load.

``make_class(course)`` writes, for every lab of an nbgrader course directory (each must have been
released), one notebook per student at ``submitted/<student>/<lab>/<lab>.ipynb``: about
55 % correct, 20 % partly wrong, 10 % empty and 15 % hostile. Each is the release notebook (cell
ids and metadata kept) with its solution cells filled from the source notebook's cell of the same
``grade_id``, as a student would fill them; the source notebook itself, with its hidden tests, is
never copied. A partly wrong submission leaves one or two solution code cells as the stub, or
breaks them (its ``return`` forgotten, or the first ``+`` or ``-`` of the solution flipped). A
hostile one holds the solutions and one of ``ATTACKS``: code put before a solution cell's own code
(it runs when the autograder runs the cell), or an edit of the notebook's test cells. Some hostile
ones, about 2 % of all submissions (none in classes under 25 students), hang instead: a function of
theirs starts with an endless loop, which costs the call time limit of every test that calls it.

The hostile code kills processes and allocates memory: grade such a class only inside the
autograder's sandbox, never with ``--IsolatedExecute.unsandboxed=True``.

Everything is drawn from ``seed``: the same seed writes the same bytes.

    python bench/synthetic_class.py COURSE [--students N] [--seed S]
"""

from __future__ import annotations

import argparse
import copy
import random
import re
import sys
from collections import Counter
from pathlib import Path

import nbformat

SHARES = {"correct": 0.55, "partly wrong": 0.20, "empty": 0.10, "hostile": 0.15}
HANG_SHARE = 0.02  # of all submissions; each hang costs the call time limit of every test that calls it
BEGIN = re.compile(r"^( *)### BEGIN SOLUTION\n", re.M)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)

# Code that a hostile student puts before a solution cell's own code.
CODE_ATTACKS = {
    "patches numpy's comparisons": """\
import numpy, numpy.testing
numpy.allclose = lambda *args, **kwargs: True
numpy.isclose = lambda a, b, *args, **kwargs: numpy.ones(numpy.broadcast(a, b).shape, dtype=bool)
numpy.testing.assert_allclose = lambda *args, **kwargs: None
""",
    "kills every process": """\
import os
for _target in (-1, 1):
    try:
        os.kill(_target, 9)
    except OSError:
        pass
""",
    "reads the gradebook": """\
for _path in ("../../../gradebook.db", "../../gradebook.db", "../gradebook.db", "gradebook.db"):
    try:
        with open(_path, "rb") as _file:
            print(_path, _file.read(4096))
    except OSError as _error:
        print(_path, _error)
""",
    "reads other students' notebooks": """\
import glob, os
_folder = os.getcwd()
for _ in range(5):  # the submission's folder, then up: submitted/<student>/<lab>/ holds the others'
    for _path in glob.glob(os.path.join(_folder, "*", "*", "*.ipynb")):
        try:
            with open(_path) as _file:
                print(_path, _file.read(2000))
        except OSError:
            pass
    _folder = os.path.dirname(_folder)
""",
    "exits": """\
import sys
sys.exit(0)
""",
    "hogs memory": """\
try:
    _hog = bytearray(8 * 2**30)
except MemoryError:
    _hog = None
""",
    "forks": """\
import os, time
_children = []
for _ in range(32):
    try:
        _pid = os.fork()
    except OSError:
        break
    if _pid == 0:
        time.sleep(0.2)
        os._exit(0)
    _children.append(_pid)
for _pid in _children:
    try:
        os.waitpid(_pid, 0)
    except OSError:
        pass
""",
    "calls a Dask scheduler": """\
import socket
try:
    with socket.create_connection(("127.0.0.1", 8786), timeout=1) as _connection:
        _connection.sendall(b"\\x00" * 64)
        print(_connection.recv(1024))
except OSError as _error:
    print("no scheduler:", _error)
""",
    "imports blocked modules": """\
for _name in ("torch", "dlcore.testing"):
    try:
        print(__import__(_name))
    except ImportError as _error:
        print("blocked:", _error)
""",
}
NOTEBOOK_ATTACKS = ("edits a test cell", "deletes a test cell")
ATTACKS = (*CODE_ATTACKS, *NOTEBOOK_ATTACKS)
HANG = "hangs"


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for a cell without)."""
    return cell.metadata.get("nbgrader", {})


def solution_code_cells(nb) -> list:
    """The solution cells of ``nb`` that hold code."""
    return [cell for cell in nb.cells if nbgrader_meta(cell).get("solution") and cell.cell_type == "code"]


def autograded_cells(nb) -> list:
    """The autograded test cells of ``nb``: grade cells with code that are not solution cells."""
    return [cell for cell in nb.cells if cell.cell_type == "code" and nbgrader_meta(cell).get("grade")
            and not nbgrader_meta(cell).get("solution")]


def filled(release, source):
    """The release notebook with every solution cell holding the source's cell of the same grade_id."""
    solutions = {nbgrader_meta(cell)["grade_id"]: cell.source for cell in source.cells
                 if nbgrader_meta(cell).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution"):
            cell.source = solutions[nbgrader_meta(cell)["grade_id"]]
    return nb


def forgets_return(source: str) -> str | None:
    """The solution with its last ``return`` forgotten (the function returns None), if it has one."""
    match = SOLUTION.search(source)
    lines = match.group(1).splitlines(keepends=True) if match else []
    last = next((i for i in reversed(range(len(lines))) if lines[i].lstrip().startswith("return ")), None)
    if last is None:
        return None
    lines[last] = lines[last].replace("return ", "", 1)
    return source[:match.start(1)] + "".join(lines) + source[match.end(1):]


def flips_a_sign(source: str) -> str | None:
    """The solution with its first `` + `` or `` - `` flipped, if it has one."""
    match = SOLUTION.search(source)
    sign = re.search(r" ([+-]) ", match.group(1)) if match else None
    if sign is None:
        return None
    at = match.start(1) + sign.start(1)
    return source[:at] + {"+": "-", "-": "+"}[sign.group(1)] + source[at + 1:]


def break_cell(cell, release_cell, rng: random.Random) -> None:
    """Leave a solution cell as the stub, or give it a plausible bug."""
    bugs = [bug for bug in (forgets_return(cell.source), flips_a_sign(cell.source)) if bug is not None]
    cell.source = rng.choice([release_cell.source, *bugs])


def partly_wrong(release, source, rng: random.Random):
    """The solutions, one or two solution code cells of which are left as the stub or broken."""
    nb = filled(release, source)
    cells = solution_code_cells(nb)
    for index in sorted(rng.sample(range(len(cells)), min(len(cells), rng.choice((1, 2))))):
        break_cell(cells[index], solution_code_cells(release)[index], rng)
    return nb


def hangs(source: str) -> str:
    """The solution with its function starting on an endless loop (before the solution's code)."""
    return BEGIN.sub(lambda m: f"{m.group(1)}while True:  # never returns\n{m.group(1)}    pass\n{m.group(0)}",
                     source, count=1)


def hostile(release, source, attack: str, rng: random.Random):
    """The solutions, with ``attack`` (one of ``ATTACKS`` or ``HANG``) in one cell."""
    nb = filled(release, source)
    if attack in NOTEBOOK_ATTACKS:
        test = rng.choice(autograded_cells(nb))
        if attack == "deletes a test cell":
            nb.cells.remove(test)
        else:
            test.source = '"""Always passes."""\npass\n'
        return nb
    cell = rng.choice(solution_code_cells(nb))
    cell.source = hangs(cell.source) if attack == HANG else CODE_ATTACKS[attack] + "\n" + cell.source
    return nb


def quotas(n_students: int) -> Counter:
    """How many submissions of each kind: SHARES of n_students by largest remainders, each kind at least
    once from 8 students on."""
    exact = {kind: share * n_students for kind, share in SHARES.items()}
    counts = Counter({kind: int(value) for kind, value in exact.items()})
    by_remainder = sorted(SHARES, key=lambda kind: (counts[kind] > 0, counts[kind] - exact[kind]))
    for kind in by_remainder[:n_students - sum(counts.values())]:
        counts[kind] += 1
    return counts


def plan(n_students: int, rng: random.Random) -> list[tuple[str, str | None]]:
    """(kind, attack) per student of one lab, in a drawn order; attack is None unless the kind is hostile."""
    counts = quotas(n_students)
    n_hangs = min(counts["hostile"], int(HANG_SHARE * n_students + 0.5))
    order = rng.sample(ATTACKS, len(ATTACKS))
    attacks = [HANG] * n_hangs + [order[i % len(order)] for i in range(counts["hostile"] - n_hangs)]
    entries = [(kind, None) for kind in ("correct", "partly wrong", "empty") for _ in range(counts[kind])]
    entries += [("hostile", attack) for attack in attacks]
    return rng.sample(entries, len(entries))


def submission(kind: str, attack: str | None, release, source, rng: random.Random):
    """A notebook of ``kind``, built from the release notebook and the source's solutions."""
    if kind == "correct":
        return filled(release, source)
    if kind == "empty":
        return copy.deepcopy(release)
    if kind == "partly wrong":
        return partly_wrong(release, source, rng)
    return hostile(release, source, attack, rng)


def read_lab(course: Path, lab: str):
    """The lab's source and release notebooks; the release must exist."""
    release = course / "release" / lab / f"{lab}.ipynb"
    if not release.is_file():
        raise FileNotFoundError(f"{release} is missing: run `nbgrader generate_assignment {lab}` in {course} first")
    return nbformat.read(course / "source" / lab / f"{lab}.ipynb", 4), nbformat.read(release, 4)


def make_class(course: Path, n_students: int = 100, seed: int = 0) -> dict[tuple[str, str], str]:
    """Write a submission per student and lab under ``course/submitted``; return {(student, lab): kind}."""
    course = Path(course)
    kinds = {}
    for lab in sorted(p.name for p in (course / "source").iterdir() if p.is_dir()):
        source, release = read_lab(course, lab)
        rng = random.Random(f"{seed}/{lab}")
        for number, (kind, attack) in enumerate(plan(n_students, rng), start=1):
            student = f"student{number:03d}"
            nb = submission(kind, attack, release, source, rng)
            nbformat.validate(nb)
            path = course / "submitted" / student / lab / f"{lab}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
            kinds[(student, lab)] = kind
    return kinds


def main(argv: list[str] | None = None) -> None:
    """The command line: write the class, print how many submissions of each kind per lab."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path, help="nbgrader course directory whose labs are released")
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        kinds = make_class(args.course, args.students, args.seed)
    except FileNotFoundError as error:
        sys.exit(str(error))
    print(f"{'lab':30s}" + "".join(f"{kind:>14s}" for kind in SHARES))
    for lab in sorted({lab for _, lab in kinds}):
        counts = Counter(kind for (_, of), kind in kinds.items() if of == lab)
        print(f"{lab:30s}" + "".join(f"{counts[kind]:14d}" for kind in SHARES))


if __name__ == "__main__":
    main()
