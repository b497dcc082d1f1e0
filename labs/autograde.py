"""Autograde every submission of the class, several at a time, on this machine or on a Dask cluster.

Run from the repository root as ``make autograde`` (``JOBS=N``, ``ENGINE=dask``, ``SCHEDULER=tcp://host:8786``,
``FORCE=1``, ``STUDENT=id``, ``LAB=name``, ``UNSANDBOXED=1``; see the instructors' guide), or as
``python labs/autograde.py --help``. Submissions already graded and unchanged since are skipped, so a run
that was interrupted is finished by running the same command again. Prints a progress bar, then one line
per submission graded (student, lab, score, seconds, failed tests); nbgrader's messages go to
``autograde.log`` in the course folder. Exits non-zero if any submission could not be graded.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from autograder import engines, grading, isolation  # noqa: E402


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", type=Path, default=HERE, help="the nbgrader course folder (default: labs/)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(),
                        help="submissions graded at once on this machine, or Dask workers of a local cluster "
                             "(default: the number of cores)")
    parser.add_argument("--engine", choices=["local", "dask"], default="local",
                        help="local: warm judge processes on this machine; dask: a Dask cluster")
    parser.add_argument("--scheduler", help="the Dask scheduler's address (implies --engine dask; "
                                            "without it, dask starts a local cluster of --jobs workers)")
    parser.add_argument("--force", action="store_true", help="grade again what was already graded")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--lab", action="append", help="grade only this lab (repeatable)")
    parser.add_argument("--unsandboxed", action="store_true", help="grade without the OS-level sandbox")
    parser.add_argument("--summary-json", type=Path, help="also write the outcomes as JSON to this file")
    args = parser.parse_args(argv)
    if args.scheduler:
        args.engine = "dask"
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1; got {args.jobs}")
    return args


def lock_course(course: Path):
    """An exclusive lock on the course for this run, or None if another grading run holds it."""
    handle = open(course / ".autograde.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def log_to_file(path: Path) -> None:
    """nbgrader's messages and Python's warnings go to ``path``, not the terminal."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.captureWarnings(True)
    for name in ("autograde", "py.warnings", "distributed"):
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate = [handler], False
        logger.setLevel(logging.INFO if name == "autograde" else logging.WARNING)


def make_engine(args):
    if args.engine == "local":
        return engines.LocalEngine(args.jobs)
    from distributed import Client, LocalCluster

    if args.scheduler:
        return engines.DaskEngine(Client(args.scheduler))
    # the workers import the autograder from this course folder
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    cluster = LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=None)
    return engines.DaskEngine(Client(cluster), cluster)


def report(outcomes, skipped: int, seconds: float, sandboxed: bool, interrupted: bool) -> int:
    """Print the summary; the exit status."""
    if outcomes:
        print(grading.summary_table(outcomes))
    failed = [o for o in outcomes if o.error is not None]
    how = "in the OS-level sandbox" if sandboxed else "UNSANDBOXED: without the OS-level sandbox"
    print(f"\nGraded {len(outcomes) - len(failed)} submissions in {seconds:.0f} s ({how}); "
          f"{len(failed)} could not be graded; {skipped} already graded and unchanged were skipped (--force regrades).")
    if interrupted:
        print("Interrupted: run the same command again to grade what is left.")
        return 130
    return 1 if failed else 0


def main(argv=None) -> int:
    args = parse(argv)
    # nbgrader runs its helpers (alembic, for a new gradebook) from the environment it is installed in
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    course = args.course.resolve()
    if not (lock := lock_course(course)):
        print(f"Another grading run is using {course}; wait for it to end.", file=sys.stderr)
        return 2
    if args.engine == "local" and not args.unsandboxed and (problem := isolation.problem()):
        print(f"Autograding stopped before it began: {problem}", file=sys.stderr)
        return 2
    config = grading.course_config(course, IsolatedExecute={"unsandboxed": args.unsandboxed})
    jobs = grading.find_jobs(course, args.lab, args.student)
    if not jobs:
        print("No submissions found: put each at labs/submitted/<student id>/<lab>/<lab>.ipynb", file=sys.stderr)
        return 1
    todo = jobs if args.force else [job for job in jobs if not grading.is_done(course, job)]
    log_to_file(course / "autograde.log")
    engine = make_engine(args)
    engines.use(engine)
    start, interrupted = time.perf_counter(), False
    try:
        outcomes = grading.grade_class(course, config, todo, threads=engine.jobs)
    except grading.Interrupted as stop:
        outcomes, interrupted = stop.outcomes, True
    finally:
        engine.close()
        lock.close()
    status = report(outcomes, len(jobs) - len(todo), time.perf_counter() - start, not args.unsandboxed, interrupted)
    if args.summary_json:
        args.summary_json.write_text(json.dumps({"seconds": time.perf_counter() - start, "skipped": len(jobs) - len(todo),
                                                 "outcomes": [asdict(o) for o in outcomes]}, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
