"""nbgrader's side: ``IsolatedExecute`` replaces the kernel run of ``nbgrader autograde``.

It hands every autograded test cell of a notebook (restored from the gradebook by nbgrader, so a
student's edits to them are ignored) and the source of the submission's other code cells to a judge
(:mod:`autograder.judge`, forked by a warm judge host on this machine or on a Dask worker: see
:mod:`autograder.engines`), which starts the submission in an OS-level sandbox
(:mod:`autograder.isolation`) and sends the verdicts back on a pipe the sandbox never holds. Each
verdict becomes the test cell's output: a short message when the test passed, an error output when
it failed, which nbgrader's ``SaveAutoGrades`` scores as zero. Nothing else of the notebook is
executed.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor, OverwriteCells
from nbgrader.utils import is_grade, is_locked, is_solution
from traitlets import Bool, Dict, Float, Int, List

from autograder import engines


def is_test_cell(cell) -> bool:
    """An autograded test cell: a grade cell with code that is not a solution."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


class IsolatedExecute(NbGraderPreprocessor):
    """Grade each autograded test cell in fresh processes; the student's kernel decides nothing.

    Three time limits (``call_timeout``, ``test_timeout``, ``cell_timeout``) and two caps
    (``memory_limit``, ``process_limit``): every other limit of the autograder is derived from them.
    """

    call_timeout = Float(5.0, help="Seconds one call of a student's function may take.").tag(config=True)
    test_timeout = Float(60.0, help="Seconds one test cell may take, all its calls included.").tag(config=True)
    cell_timeout = Float(20.0, help="Seconds each of the submission's own cells may take (they run once).").tag(
        config=True)
    memory_limit = Int(2048, help="MiB of address space per process of a submission.").tag(config=True)
    process_limit = Int(8, help="Processes a submission may run at once.").tag(config=True)
    blocked_modules = Dict(
        {}, help="Per assignment, modules absent from the sandbox, e.g. {'lab3': ['torch']}."
    ).tag(config=True)
    always_blocked = List([], help="Modules absent from every lab's sandbox.").tag(config=True)
    warnings_as_errors = List([], help="Assignments whose functions fail on a RuntimeWarning.").tag(config=True)
    unsandboxed = Bool(False, help="Grade without the OS-level sandbox (stated in the log and the feedback).").tag(
        config=True)

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        if self.unsandboxed:
            self.log.warning("UNSANDBOXED: %s is graded without the OS-level sandbox (--IsolatedExecute.unsandboxed)",
                             assignment)
        tests = [cell for cell in nb.cells if is_test_cell(cell)]
        request = {
            "tests": [cell.source for cell in tests],
            "cells": [{"source": cell.source, "run": "all" if is_solution(cell) or is_locked(cell) else "definitions"}
                      for cell in nb.cells if cell.cell_type == "code" and not is_test_cell(cell)],
            "blocked": list(self.always_blocked) + list(self.blocked_modules.get(assignment, [])),
            "warnings_as_errors": assignment in self.warnings_as_errors,
            "call_timeout": self.call_timeout, "test_timeout": self.test_timeout, "cell_timeout": self.cell_timeout,
            "memory_bytes": self.memory_limit * 2**20, "processes": self.process_limit,
            "sandboxed": not self.unsandboxed,
        }
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        for cell, verdict in zip(tests, self._judge(request)):
            if self.unsandboxed:
                verdict["message"] += "\n(graded without the sandbox)"
            cell.outputs = [self._verdict_output(verdict)]
        return nb, resources

    def _judge(self, request) -> list[dict]:
        """A verdict per test; tests the judge could not reach (it died or ran out of time) fail. Raises
        ``GradingUnavailable`` when no judge could run at all: the submission then stays ungraded."""
        reply = engines.judge(request, judge_seconds(request, self.cell_timeout, self.test_timeout))
        if reply["log"]:
            self.log.warning("the judge stopped before the last test: %s", reply["log"])
        return reply["verdicts"]

    @staticmethod
    def _verdict_output(verdict) -> NotebookNode:
        if verdict["passed"]:
            return NotebookNode(output_type="stream", name="stdout", text=verdict["message"] + "\n")
        return NotebookNode(output_type="error", ename="AssertionError", evalue=verdict["message"],
                            traceback=verdict["message"].splitlines())


def judge_seconds(request, cell_timeout, test_timeout) -> float:
    """The judge's whole time: its own start-up (one cell's limit), the submission's set-up, then every test."""
    from autograder.judge import setup_seconds

    return cell_timeout + setup_seconds(cell_timeout, len(request["cells"])) + test_timeout * len(request["tests"])


class RestoreCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, safe against a submission's own grade cells and reordered cells.

    A cell whose ``grade_id`` the gradebook does not know (a cell the student marked as a grade or
    solution cell) becomes an ordinary cell the student added; a missing grade cell is put back after
    the nearest earlier cell of the source that the submission still has (nbgrader's own restore
    raises KeyError when that cell is missing too, and the student is left ungraded). A locked cell
    exactly as released (a test cell without the hidden tests the student never saw) is restored
    without nbgrader's warning that its checksum changed, which would read like tampering; an edited
    one is still reported.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            known = {cell.name for cell in gradebook.find_notebook(info["notebook"], info["assignment"]).source_cells}
        for cell in nb.cells:
            if "nbgrader" in cell.metadata and cell.metadata.nbgrader.get("grade_id") not in known:
                self.log.warning("a cell with unknown grade_id %r is graded as a cell the student added",
                                 cell.metadata.nbgrader.get("grade_id"))
                del cell.metadata["nbgrader"]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        self._as_released = self._is_as_released(cell)
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and self._as_released:
            return  # the cell as the student received it, without its hidden tests: restored, nothing to report
        super().report_change(name, attr, old, new)

    def _is_as_released(self, cell) -> bool:
        """Whether the cell is its source cell exactly as released (hidden tests removed)."""
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        try:
            source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return False
        released = NotebookNode(cell_type=source.cell_type, source=source.source, metadata={})
        ClearHiddenTests(config=self.config)._remove_hidden_test_region(released)
        return released.source == cell.source

    def add_missing_grade_cells(self, nb, resources):
        source = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source.source_cells]
        cells = {cell.name: cell for cell in source.source_cells}
        solutions = {cell.name for cell in source.solution_cells}
        for grade_cell in source.grade_cells:
            present = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells]
            if grade_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", grade_cell.name)
            restored = self.missing_cell_transform(cells[grade_cell.name], grade_cell.max_score,
                                                   is_solution=grade_cell.name in solutions)
            earlier = [name for name in order[:order.index(grade_cell.name)] if name in present]
            nb.cells.insert(present.index(earlier[-1]) + 1 if earlier else 0, restored)
        return nb, resources
