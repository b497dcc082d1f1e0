"""nbgrader's side: ``IsolatedExecute`` replaces the kernel run of ``nbgrader autograde``.

It hands every autograded test cell of a notebook (restored from the gradebook by nbgrader, so a
student's edits to them are ignored) and the source of the submission's other code cells to one
judge process (:mod:`autograder.judge`), and writes each verdict as the test cell's output: a short
message when the test passed, an error output when it failed, which nbgrader's ``SaveAutoGrades``
scores as zero. Nothing else of the notebook is executed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked, is_solution
from traitlets import Dict, Float, List

LABS = Path(__file__).resolve().parents[1]


def is_test_cell(cell) -> bool:
    """An autograded test cell: a grade cell with code that is not a solution."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


class IsolatedExecute(NbGraderPreprocessor):
    """Grade each autograded test cell in fresh processes; the student's kernel decides nothing."""

    call_timeout = Float(5.0, help="Seconds one call of a student's function may take.").tag(config=True)
    cell_timeout = Float(60.0, help="Seconds one test cell may take.").tag(config=True)
    start_timeout = Float(60.0, help="Seconds the submission's cells may take to run once.").tag(config=True)
    blocked_modules = Dict(
        {}, help="Per assignment, modules the student's code may not import, e.g. {'lab3': ['torch']}."
    ).tag(config=True)
    always_blocked = List([], help="Modules no lab may import.").tag(config=True)
    warnings_as_errors = List([], help="Assignments whose functions fail on a RuntimeWarning.").tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        tests = [cell for cell in nb.cells if is_test_cell(cell)]
        request = {
            "tests": [cell.source for cell in tests],
            "cells": [{"source": cell.source, "run": "all" if is_solution(cell) or is_locked(cell) else "definitions"}
                      for cell in nb.cells if cell.cell_type == "code" and not is_test_cell(cell)],
            "blocked": list(self.always_blocked) + list(self.blocked_modules.get(assignment, [])),
            "warnings_as_errors": assignment in self.warnings_as_errors,
            "call_timeout": self.call_timeout, "cell_timeout": self.cell_timeout, "start_timeout": self.start_timeout,
        }
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        for cell, verdict in zip(tests, self._judge(request)):
            cell.outputs = [self._verdict_output(verdict)]
        return nb, resources

    def _judge(self, request) -> list[dict]:
        """A verdict per test; tests the judge could not reach (it died or ran out of time) fail."""
        n = len(request["tests"])
        limit = self.start_timeout + n * (self.cell_timeout + 5.0)
        with tempfile.TemporaryDirectory() as folder:
            request_path, result_path = Path(folder) / "request.json", Path(folder) / "result.jsonl"
            request_path.write_text(json.dumps(request))
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(LABS), os.environ.get("PYTHONPATH", "")]),
                       MPLBACKEND="Agg")
            try:
                subprocess.run([sys.executable, "-m", "autograder.judge", str(request_path), str(result_path)],
                               env=env, cwd=folder, timeout=limit, capture_output=True, check=False)
            except subprocess.TimeoutExpired:
                self.log.warning("the judge did not finish within %s s", limit)
            lines = result_path.read_text().splitlines() if result_path.exists() else []
        verdicts = [json.loads(line) for line in lines]
        missing = {"passed": False, "message": "FAILED: this test could not be run on the submission"}
        return verdicts + [missing] * (n - len(verdicts))

    @staticmethod
    def _verdict_output(verdict) -> NotebookNode:
        if verdict["passed"]:
            return NotebookNode(output_type="stream", name="stdout", text=verdict["message"] + "\n")
        return NotebookNode(output_type="error", ename="AssertionError", evalue=verdict["message"],
                            traceback=verdict["message"].splitlines())
