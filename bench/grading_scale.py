"""Grading a class at scale: a synthetic class graded one at a time, two at a time, and on a local Dask cluster.

A copy of ``labs/`` is made in a temporary folder, every lab is released, and ``synthetic_class.py`` writes
a class (100 students x every lab by default: correct, partly wrong, empty and hostile submissions). The
class is graded three times with ``labs/autograde.py --force``: ``--jobs 1`` (one warm judge, one
submission at a time), ``--jobs 2``, and ``--engine dask --jobs 2`` (a local cluster of two workers).
Reported: each run's wall time, its speed-up over one at a time, the warm grading time per notebook
(the one-at-a-time run's wall time over the number of notebooks), per kind of submission, and whether
every grade of the parallel runs equals the one-at-a-time run's. Writes ``results/grading_scale.md``
(included in the book) and ``results/grading_scale.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "labs"))

from autograde_time import released_course  # noqa: E402
from autograder.grading import gradebook_scores  # noqa: E402
from synthetic_class import make_class  # noqa: E402

RESULTS_DIR = HERE / "results"
SPEED_UP_TARGET = 1.8  # two jobs on two cores, over one at a time
WARM_SECONDS_TARGET = 2.0  # per notebook, one at a time with a warm judge
SERIAL, TWO_JOBS, DASK = "one at a time (`--jobs 1`)", "two jobs (`--jobs 2`)", "Dask, two local workers (`--engine dask`)"
RUNS = {SERIAL: ["--jobs", "1"], TWO_JOBS: ["--jobs", "2"], DASK: ["--engine", "dask", "--jobs", "2"]}
BIN = Path(sys.executable).parent


def prepare(course: Path, students: int, seed: int) -> dict:
    """Copy the course, release every lab and write the class; the kind of each submission."""
    released_course(course, ("source", "autograder", "nbgrader_config.py", "autograde.py"))
    return make_class(course, n_students=students, seed=seed)


def environment() -> dict:
    return dict(os.environ, PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))


def grade(course: Path, args: list[str]) -> dict:
    """One grading run of the whole class; its summary (wall seconds, one outcome per submission)."""
    summary = course / "summary.json"
    run = subprocess.run([sys.executable, "autograde.py", "--force", "--summary-json", str(summary), *args],
                         cwd=course, env=environment(), capture_output=True, text=True)
    if run.returncode not in (0, 1):  # 1: some submission could not be graded, which the report shows
        sys.exit(f"autograde.py {' '.join(args)} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    result = json.loads(summary.read_text())
    result["scores"] = {f"{s}/{lab}": v for (s, lab), v in
                        gradebook_scores(f"sqlite:///{course / 'gradebook.db'}", "dnn-course").items()}
    return result


def measure(students: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        course = Path(folder)
        kinds = prepare(course, students, seed)
        runs = {name: grade(course, args) for name, args in RUNS.items()}
    return {"kinds": {f"{s}/{lab}": kind for (s, lab), kind in kinds.items()}, "runs": runs}


def per_kind(outcomes: list[dict], kinds: dict) -> dict[str, float]:
    seconds = defaultdict(list)
    for outcome in outcomes:
        seconds[kinds[f"{outcome['student']}/{outcome['lab']}"]].append(outcome["seconds"])
    return {kind: statistics.median(values) for kind, values in sorted(seconds.items())}


def report(measured: dict) -> str:
    runs, kinds = measured["runs"], measured["kinds"]
    serial = runs[SERIAL]
    n = len(serial["outcomes"])
    warm = serial["seconds"] / n
    lines = [f"Measured {datetime.datetime.now().astimezone().isoformat(timespec='seconds')} on {os.cpu_count()} CPU "
             f"cores: a synthetic class of {n} submissions "
             f"({', '.join(f'{k}: {list(kinds.values()).count(k)}' for k in sorted(set(kinds.values())))}), "
             "graded with `labs/autograde.py --force`, each submission in its own sandbox.", "",
             "| run | wall time (s) | notebooks/s | speed-up | not graded | grades equal to one at a time |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for name, run in runs.items():
        not_graded = sum(outcome["error"] is not None for outcome in run["outcomes"])
        same = "reference" if name == SERIAL else (
            "yes" if run["scores"] == serial["scores"] else
            f"NO ({sum(run['scores'].get(k) != v for k, v in serial['scores'].items())} differ)")
        lines.append(f"| {name} | {run['seconds']:.0f} | {n / run['seconds']:.2f} | "
                     f"{serial['seconds'] / run['seconds']:.2f}x | {not_graded} | {same} |")
    speed_up = serial["seconds"] / runs[TWO_JOBS]["seconds"]
    lines += ["", "Median seconds per notebook by kind, one at a time (the sandbox's start-up, the submission's cells "
                  "and every test; a hostile submission that hangs pays the call time limit of each test):", "",
              "| kind | seconds |", "| --- | ---: |"]
    lines += [f"| {kind} | {seconds:.2f} |" for kind, seconds in per_kind(serial["outcomes"], kinds).items()]
    lines += ["", "Targets:",
              f"- two jobs at least {SPEED_UP_TARGET}x one at a time: {speed_up:.2f}x, "
              f"{'PASS' if speed_up >= SPEED_UP_TARGET else 'MISS'}",
              f"- warm grading time at most {WARM_SECONDS_TARGET:.0f} s per notebook: {warm:.2f} s, "
              f"{'PASS' if warm <= WARM_SECONDS_TARGET else 'MISS'}"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    measured = measure(args.students, args.seed)
    text = report(measured)
    print(text, end="")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "grading_scale.md").write_text(text)
    for run in measured["runs"].values():  # the table says whether they matched; the outcomes stay
        del run["scores"]
    (args.out / "grading_scale.json").write_text(json.dumps(measured) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
