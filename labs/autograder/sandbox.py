"""The student's side: run the submission's cells once, then fork a fresh copy for each test.

Started by :class:`autograder.proxy.Submission` as ``python -m autograder.sandbox SPEC``, where SPEC
is a JSON file ``{"cells": [{"source": ..., "run": "all" | "definitions"}, ...], "blocked": [module,
...], "warnings_as_errors": bool}``. The cells run in order in one namespace, each in a ``try`` and
within ``CELL_SECONDS``, so that a broken cell (a syntax error, an exception, ``exit()``, a loop) does
not stop the others. Of a cell marked ``definitions`` (a cell the student added, or a free cell that
may try the functions out) only the imports, ``def``/``class`` statements and assignments of
constants run: a demo call of a broken function must not hang the set-up of every test. Then the process waits on stdin for requests ``{"session": socket_path}``: for each
it forks a child that connects to that Unix socket and answers call requests there, so every test
starts from the same state and a crash or a hang ends only its own child. The student's ``print``
goes to stderr; it cannot reach either channel.
"""

from __future__ import annotations

import ast
import importlib.abc
import json
import os
import signal
import socket
import sys
import traceback
import warnings

from autograder import wire


class BlockedModule(importlib.abc.MetaPathFinder):
    """Makes ``import`` of the given modules (and their submodules) fail with a message."""

    def __init__(self, names):
        self.names = tuple(names)

    def find_spec(self, fullname, path=None, target=None):
        if any(fullname == name or fullname.startswith(name + ".") for name in self.names):
            raise ImportError(f"{fullname} is not available in this lab: implement it yourself")
        return None


CELL_SECONDS = 20
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)


class CellTimeout(Exception):
    """A cell ran longer than ``CELL_SECONDS``."""


def _alarm(signum, frame):
    raise CellTimeout(f"the cell ran longer than {CELL_SECONDS} s")


def definitions_only(tree: ast.Module) -> ast.Module:
    """The imports, definitions and assignments of constants of a cell, without its calls."""
    def keep(node):
        if isinstance(node, DEFINITIONS):
            return True
        return isinstance(node, ast.Assign) and all(isinstance(n, ast.Constant) for n in ast.walk(node.value)
                                                    if not isinstance(n, (ast.Tuple, ast.List, ast.Load)))
    return ast.Module(body=[node for node in tree.body if keep(node)], type_ignores=[])


def run_cells(cells, namespace) -> list[str]:
    """Execute each cell in ``namespace`` (see the module docstring); return a line per cell that failed."""
    failures = []
    signal.signal(signal.SIGALRM, _alarm)
    for index, cell in enumerate(cells):
        try:
            tree = ast.parse(cell["source"], f"<cell {index}>")
            if cell["run"] == "definitions":
                tree = definitions_only(tree)
            signal.alarm(CELL_SECONDS)
            try:
                exec(compile(tree, f"<cell {index}>", "exec"), namespace)
            finally:
                signal.alarm(0)
        except BaseException as error:  # noqa: BLE001 - a student's cell may raise anything, SystemExit too
            failures.append(f"cell {index}: {type(error).__name__}: {error}")
    return failures


def answer(request, namespace, failures, warnings_as_errors=False):
    """Call the requested function of the submission; the reply carries its result or its error."""
    name = request["call"]
    function = namespace.get(name)
    if not callable(function):
        detail = f"; cells that failed: {failures}" if failures else ""
        return {"error": "NameError", "message": f"{name} is not defined by the submission{detail}"}
    try:
        with warnings.catch_warnings():
            if warnings_as_errors:  # e.g. an overflow in exp is an error in a lab about stable formulas
                warnings.simplefilter("error", RuntimeWarning)
            return {"result": function(*request["args"], **request["kwargs"])}
    except BaseException as error:  # noqa: BLE001
        frames = traceback.extract_tb(error.__traceback__)[1:]
        where = f" (at {frames[-1].filename}, line {frames[-1].lineno})" if frames else ""
        return {"error": type(error).__name__, "message": f"{str(error)[:500]}{where}"}


def serve_session(path, namespace, failures, warnings_as_errors) -> None:
    """In a forked child: answer the calls of one test over the Unix socket at ``path``."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    channel = connection.makefile("rb", buffering=0)
    connection.sendall(wire.pack({"pid": os.getpid()}))  # so that the judge can stop a hung copy
    while (body := wire.read_message(channel)) is not None:
        reply = answer(wire.unpack(body, allow_functions=True), namespace, failures, warnings_as_errors)
        try:
            message = wire.pack(reply)
        except wire.WireError as error:
            message = wire.pack({"error": "TypeError", "message": f"the result cannot be graded: {error}"})
        connection.sendall(message)


def main(spec_path: str) -> None:
    with open(spec_path) as handle:
        spec = json.load(handle)
    control = os.fdopen(os.dup(0), "rb", buffering=0)
    reply = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # the student's prints go to stderr
    sys.stdout = sys.stderr
    sys.meta_path.insert(0, BlockedModule(spec.get("blocked", [])))
    namespace = {"__name__": "__main__"}
    failures = run_cells(spec["cells"], namespace)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    reply.write(wire.pack({"ready": failures}))
    while (body := wire.read_message(control)) is not None:
        path = wire.unpack(body)["session"]
        if os.fork() == 0:
            control.close()
            reply.close()
            try:
                serve_session(path, namespace, failures, spec.get("warnings_as_errors", False))
            finally:
                os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
