"""Autograding time per lab notebook: ``nbgrader autograde`` of one submission, with this course's grader.

A copy of ``labs/`` is made in a temporary folder, every lab is released, the solution is submitted
for one student, and each lab is autograded ``REPEATS`` times (``--force``); the median wall time per
notebook, nbgrader's own start-up included, is reported against the target of 5 s. Writes
``results/autograde.md`` (included in the book) and ``results/autograde.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET_SECONDS = 5.0
NBGRADER = Path(sys.executable).parent / "nbgrader"


def run_nbgrader(course: Path, *args) -> float:
    """Seconds ``nbgrader ARGS`` took in ``course``; fails loudly if it fails."""
    env = dict(os.environ, PATH=os.pathsep.join([str(NBGRADER.parent), os.environ.get("PATH", "")]))
    start = time.perf_counter()
    result = subprocess.run([str(NBGRADER), *args], cwd=course, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"nbgrader {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return seconds


def released_course(folder: Path, parts=("source", "autograder", "nbgrader_config.py")) -> list[str]:
    """Copy the ``parts`` of the course into ``folder`` and release every lab there; the labs."""
    for part in parts:
        src = ROOT / "labs" / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, folder / part)
    labs = sorted(p.name for p in (folder / "source").iterdir() if p.is_dir())
    for lab in labs:
        run_nbgrader(folder, "generate_assignment", lab, "--force")
    return labs


def prepare_course(folder: Path) -> list[str]:
    """Copy the course, release every lab and submit its solution as student 'solution'."""
    labs = released_course(folder)
    for lab in labs:
        target = folder / "submitted" / "solution" / lab
        target.mkdir(parents=True)
        shutil.copy(folder / "source" / lab / f"{lab}.ipynb", target)
    return labs


def measure(repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        course = Path(folder)
        labs = prepare_course(course)
        return {lab: [run_nbgrader(course, "autograde", lab, "--force") for _ in range(repeats)] for lab in labs}


def report(seconds: dict) -> str:
    lines = [f"Measured {datetime.datetime.now().astimezone().isoformat(timespec='seconds')} on "
             f"{os.cpu_count()} CPU cores: `nbgrader autograde` of one submission (the solution), wall time "
             f"including nbgrader's start-up, median of {len(next(iter(seconds.values())))} runs.", "",
             "| lab | seconds per notebook | target | verdict |", "| --- | ---: | ---: | --- |"]
    for lab, runs in seconds.items():
        median = statistics.median(runs)
        verdict = "PASS" if median <= TARGET_SECONDS else "MISS"
        lines.append(f"| {lab} | {median:.1f} | {TARGET_SECONDS:.0f} | {verdict} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    seconds = measure(args.repeats)
    text = report(seconds)
    print(text, end="")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "autograde.md").write_text(text)
    (args.out / "autograde.json").write_text(json.dumps({"target_seconds": TARGET_SECONDS, "seconds": seconds},
                                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
