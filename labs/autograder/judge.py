"""Run a notebook's autograded test cells against a submission: ``python -m autograder.judge REQUEST RESULT``.

REQUEST is a JSON file ``{"tests": [source, ...], "cells": [the submission's other code cells as
``{"source", "run"}``], "blocked": [...], "warnings_as_errors": bool, "call_timeout": s,
"cell_timeout": s, "start_timeout": s}``. The test cells run
here, in a process where no student code has run: in each, the names of the functions the
submission defines are bound to proxies into a fresh copy of the submission's process, and
``student_source`` holds the submission's code as text (for checks such as "does not import
torch"). RESULT receives one JSON line ``{"passed": bool, "message": str}`` per test, written as each
finishes; a message never contains the test's source or a traceback into it.
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
import time

from autograder.proxy import Submission


def defined_functions(cells) -> list[str]:
    """Names of the functions and classes defined at the top level of the cells that parse."""
    names = []
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        names += [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    return names


def imported_modules(source: str) -> list[str]:
    """The modules a test imports, and torch where an oracle of dlcore.testing will import it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = ["torch"] if "by_autograd" in source else []  # dlcore.testing imports torch inside its oracles
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def warm_imports(tests) -> None:
    """Import what the tests need while the submission's process starts: the two run in parallel."""
    for name in dict.fromkeys(name for source in tests for name in imported_modules(source)):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the test itself will report it
            pass


def title(source: str) -> str:
    """The test cell's docstring, which says what it checks."""
    try:
        doc = ast.get_docstring(ast.parse(source))
    except SyntaxError:
        doc = None
    return (doc or "test").splitlines()[0]


def run_test(source, submission, names, student_source, call_timeout, cell_timeout) -> dict:
    """One test cell against a fresh copy of the submission."""
    session = submission.session(call_timeout, deadline=time.monotonic() + cell_timeout)
    namespace = {"__name__": "__main__", "student_source": student_source}
    namespace.update({name: session.function(name) for name in names})
    try:
        exec(compile(source, "<test>", "exec"), namespace)
    except AssertionError as failure:
        return {"passed": False, "message": f"{title(source)}: FAILED\n{failure}"}
    except Exception as error:  # noqa: BLE001 - a wrong answer of any kind fails the test
        return {"passed": False, "message": f"{title(source)}: FAILED\n{type(error).__name__}: {error}"}
    finally:
        session.close()
    return {"passed": True, "message": f"{title(source)}: passed"}


def main(request_path: str, result_path: str) -> None:
    with open(request_path) as handle:
        request = json.load(handle)
    sources = [cell["source"] for cell in request["cells"]]
    submission = Submission(request["cells"], request.get("blocked", ()), request.get("start_timeout", 60.0),
                            request.get("warnings_as_errors", False))
    warm_imports(request["tests"])
    try:
        with open(result_path, "w") as results:
            for source in request["tests"]:
                verdict = run_test(source, submission, defined_functions(sources), "\n\n".join(sources),
                                   request.get("call_timeout", 5.0), request.get("cell_timeout", 60.0))
                results.write(json.dumps(verdict) + "\n")
                results.flush()
    finally:
        submission.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
