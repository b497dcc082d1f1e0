"""Autograde every lab that has submissions; go on past a failure, list what failed, exit non-zero if anything did.

Run from the repository root as ``make autograde`` (``make autograde UNSANDBOXED=1`` to grade
without the OS-level sandbox, which the summary and the feedback then state). nbgrader already goes
on to the next student when one submission fails; this goes on to the next lab too.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAILED = re.compile(r"\[AutogradeApp \| ERROR\].*?submitted/([^/\s]+)/([^/\s]+)")


def autograde(lab: str, unsandboxed: bool) -> tuple[int, list[str]]:
    """nbgrader's exit status for one lab, and the submissions it reported as failed."""
    command = [str(Path(sys.executable).parent / "nbgrader"), "autograde", lab]
    if unsandboxed:
        command.append("--IsolatedExecute.unsandboxed=True")
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    process = subprocess.Popen(command, cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failed = []
    for line in process.stdout:
        sys.stdout.write(line)
        if match := FAILED.search(line):
            failed.append(f"{match[1]}/{match[2]}")
    return process.wait(), list(dict.fromkeys(failed))


def sandbox_problem() -> str | None:
    """Why the sandbox cannot start on this machine (with how to fix it), or None."""
    sys.path.insert(0, str(HERE))
    from autograder.isolation import problem

    return problem()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unsandboxed", action="store_true", help="grade without the OS-level sandbox")
    args = parser.parse_args(argv)
    if not args.unsandboxed and (problem := sandbox_problem()):
        print(f"Autograding stopped before it began: {problem}", file=sys.stderr)
        return 2
    labs = sorted(p.name for p in (HERE / "source").iterdir() if p.is_dir())
    problems, graded = [], []
    for lab in labs:
        if not any((HERE / "submitted").glob(f"*/{lab}")):
            continue
        graded.append(lab)
        status, failed = autograde(lab, args.unsandboxed)
        problems += [f"{lab}: {submission} could not be graded" for submission in failed]
        if status != 0 and not failed:
            problems.append(f"{lab}: nbgrader autograde exited with status {status}")
    print("\nAutograding summary" + (" (UNSANDBOXED: student code ran without the OS-level sandbox)"
                                     if args.unsandboxed else " (student code ran in the OS-level sandbox)"))
    if not graded:
        problems.append("no submissions found: put each at labs/submitted/<student id>/<lab>/<lab>.ipynb")
    for line in problems or [f"every submission of {', '.join(graded)} was graded"]:
        print(f"  {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
