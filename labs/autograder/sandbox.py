"""The student's side: run the submission's cells once, then fork a fresh copy for each test.

Started by :class:`autograder.proxy.Submission` inside the OS-level sandbox (see
:mod:`autograder.isolation`) as ``python -m autograder.sandbox FD``, where FD is its end of a Unix
socket to the judge, the only channel it has. The judge sends the spec ``{"cells": [{"source": ...,
"run": "all" | "definitions"}, ...], "cell_timeout": s, "warnings_as_errors": bool}``. The cells run
in order in one namespace, each in a ``try`` and within ``cell_timeout``, so that a broken cell (a
syntax error, an exception, ``exit()``, a loop) does not stop the others. Of a cell marked
``definitions`` (a cell the student added, or a free cell that may try the functions out) only the
imports, ``def``/``class`` statements (with their decorators, default values and class bodies) and
assignments of constants run. Then, for each test, the judge passes the sandbox a fresh socket; it
forks a child that answers the test's calls on it, so every test starts from the same state.

Nothing here is trusted: the submission's code runs in this process and can replace any of it. What
bounds it is the sandbox around the process and the judge's limits on what it accepts.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import importlib.util
import os
import signal
import socket
import struct
import sys
import traceback
import warnings

from autograder import wire

DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
# Imported by every lab's set-up cell for its figures, seldom used by a graded function: loaded on first use
# (about a third of a notebook's grading time otherwise)
LAZY_MODULES = frozenset({"matplotlib.pyplot"})


class LazyImports(importlib.abc.MetaPathFinder):
    """Import the modules in ``names`` lazily: the module object exists at once, its code runs on first use."""

    def __init__(self, names):
        self.names = names

    def find_spec(self, name, path, target=None):
        if name not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


class CellTimeout(Exception):
    """A cell ran longer than its time limit."""


def definitions_only(tree: ast.Module) -> ast.Module:
    """The imports, definitions and assignments of constants of a cell, without its calls."""
    def keep(node):
        if isinstance(node, DEFINITIONS):
            return True
        return isinstance(node, ast.Assign) and all(isinstance(n, ast.Constant) for n in ast.walk(node.value)
                                                    if not isinstance(n, (ast.Tuple, ast.List, ast.Load)))
    return ast.Module(body=[node for node in tree.body if keep(node)], type_ignores=[])


def run_cells(cells, namespace, seconds: float) -> list[str]:
    """Execute each cell in ``namespace`` (see the module docstring); return a line per cell that failed."""
    def alarm(signum, frame):
        raise CellTimeout(f"the cell ran longer than {seconds:g} s")

    failures = []
    signal.signal(signal.SIGALRM, alarm)
    for index, cell in enumerate(cells):
        try:
            tree = ast.parse(cell["source"], f"<cell {index}>")
            if cell["run"] == "definitions":
                tree = definitions_only(tree)
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                exec(compile(tree, f"<cell {index}>", "exec"), namespace)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
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


def receive(connection: socket.socket) -> bytes | None:
    """The next message body (blocking), or None at the end of the stream."""
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = connection.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data
    prefix = exactly(8)
    return None if prefix is None else exactly(struct.unpack("<Q", prefix)[0])


def serve_session(connection: socket.socket, namespace, failures, warnings_as_errors) -> None:
    """In a forked child: answer the calls of one test on ``connection``."""
    while (body := receive(connection)) is not None:
        reply = answer(wire.unpack(body, allow_functions=True), namespace, failures, warnings_as_errors)
        try:
            message = wire.pack(reply)
        except wire.WireError as error:
            message = wire.pack({"error": "TypeError", "message": f"the result cannot be graded: {error}"})
        connection.sendall(message)


def main(fd: int) -> None:
    control = socket.socket(fileno=fd)
    spec = wire.unpack(receive(control))
    os.dup2(os.open(os.devnull, os.O_RDWR), 0)
    sys.stdout = sys.stderr  # the student's prints go to stderr, which the judge discards
    sys.meta_path.insert(0, LazyImports(LAZY_MODULES))
    namespace = {"__name__": "__main__"}
    failures = run_cells(spec["cells"], namespace, spec["cell_timeout"])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    control.sendall(wire.pack({"ready": failures}))
    while True:
        try:
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            break
        if not fds:
            break
        try:
            child = os.fork()
        except OSError:  # the process limit (the submission's own processes): this test's session fails alone
            os.close(fds[0])
            continue
        if child == 0:
            control.close()
            try:
                with socket.socket(fileno=fds[0]) as connection:
                    serve_session(connection, namespace, failures, spec["warnings_as_errors"])
            finally:
                os._exit(0)
        os.close(fds[0])


if __name__ == "__main__":
    main(int(sys.argv[1]))
