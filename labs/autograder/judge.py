"""Run a notebook's autograded test cells against a submission: ``run(request, verdict_fd)``.

It runs in a judge process forked for this one notebook by a warm judge host (:mod:`autograder.host`).
The request is ``{"tests": [source, ...], "cells": [the submission's other
code cells as {"source", "run"}], "blocked": [...], "warnings_as_errors": bool, "call_timeout": s,
"test_timeout": s, "cell_timeout": s, "memory_bytes": n, "processes": n, "sandboxed": bool}``. The
test cells run here, in a process where no student code runs. A test's namespace holds the test's
own code and, for each name the test uses without defining it (and that is not a builtin), a proxy
that calls the function of that name in a fresh copy of the submission's sandboxed process; also
``student_uses(name)`` (what the student's function imports and calls, from its syntax tree) for
source checks. One JSON line ``{"passed": bool, "message": str}`` per test is written to
``verdict_fd``, a pipe that the judge host owns and the sandbox never holds; a message never contains the test's source or a traceback into it.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import json
import math
import os
import time

from autograder import isolation
from autograder.proxy import Submission


def setup_seconds(cell_timeout: float, n_cells: int) -> float:
    """The submission's set-up: its interpreter's start-up, given one cell's limit, then each of its cells."""
    return cell_timeout * (n_cells + 1)


def free_names(source: str) -> list[str]:
    """The names a test uses without binding them anywhere, builtins excepted: the lab's interface."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    loaded, bound = [], set(vars(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded.append if isinstance(node.ctx, ast.Load) else bound.add)(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return [name for name in dict.fromkeys(loaded) if name not in bound]


def _dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def uses_of(sources: list[str]):
    """``student_uses(name)``: the dotted names that the submission's function ``name`` (and the helpers
    it calls) imports or refers to, with module aliases resolved; comments and strings do not count."""
    trees = []
    for source in sources:
        try:
            trees.append(ast.parse(source))
        except SyntaxError:
            pass
    functions, aliases = {}, {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                functions[node.name] = node
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        aliases[target.id] = node.value.id
            elif isinstance(node, ast.Import):
                aliases.update({alias.asname or alias.name.split(".")[0]: alias.asname and alias.name
                                or alias.name.split(".")[0] for alias in node.names})
            elif isinstance(node, ast.ImportFrom) and node.module:
                aliases.update({alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names})

    def resolve(name: str) -> str:
        head, _, rest = name.partition(".")
        for _ in range(10):
            if head not in aliases or aliases[head] == head:
                break
            head = aliases[head]
        return f"{head}.{rest}" if rest else head

    def student_uses(name: str) -> set[str]:
        found, queue, seen = set(), [resolve(name)], set()
        while queue:
            function = functions.get(queue.pop())
            if function is None or function.name in seen:
                continue
            seen.add(function.name)
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module:
                    found.update(f"{node.module}.{alias.name}" for alias in node.names)
                elif isinstance(node, (ast.Name, ast.Attribute)) and (dotted := _dotted(node)):
                    found.add(resolve(dotted))
                    queue.append(resolve(dotted))
        return found
    return student_uses


def imported_modules(source: str) -> list[str]:
    """The modules a test imports, and the modules imported inside the functions it imports from them
    (an oracle such as ``dlcore.testing.deltas_by_autograd`` imports torch only when called)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module, *imports_inside(node.module, {alias.name for alias in node.names})]
    return names


def imports_inside(module: str, functions: set[str]) -> list[str]:
    """The modules that the named top-level functions of ``module`` import in their bodies."""
    try:
        spec = importlib.util.find_spec(module)
        with open(spec.origin) as handle:
            tree = ast.parse(handle.read())
    except (ImportError, AttributeError, TypeError, ValueError, OSError, SyntaxError):
        return []
    names = []
    for function in tree.body:
        if isinstance(function, ast.FunctionDef) and function.name in functions:
            for node in ast.walk(function):
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
    """The first line of the test cell's docstring, which says what it checks, without its full stop."""
    try:
        doc = ast.get_docstring(ast.parse(source))
    except SyntaxError:
        doc = None
    return (doc or "test").splitlines()[0].rstrip().removesuffix(".")


def run_test(source, submission, helpers, call_timeout, test_timeout) -> dict:
    """One test cell against a fresh copy of the submission."""
    session = submission.session(call_timeout, deadline=time.monotonic() + test_timeout)
    namespace = {"__name__": "__main__", **helpers}
    namespace.update({name: session.function(name) for name in free_names(source) if name not in helpers})
    try:
        exec(compile(source, "<test>", "exec"), namespace)
    except AssertionError as failure:
        return {"passed": False, "message": f"{title(source)}: FAILED\n{failure}"}
    except Exception as error:  # noqa: BLE001 - a wrong answer of any kind fails the test
        return {"passed": False, "message": f"{title(source)}: FAILED\n{type(error).__name__}: {error}"}
    finally:
        session.close()
    return {"passed": True, "message": f"{title(source)}: passed"}


def run(request: dict, verdict_fd: int) -> None:
    """Judge every test of ``request``; write one verdict line per test to ``verdict_fd``."""
    tests, cells = request["tests"], request["cells"]
    sources = [cell["source"] for cell in cells]
    helpers = {"student_uses": uses_of(sources)}
    # every limit below is derived from the three time limits and the two caps of the configuration
    setup = setup_seconds(request["cell_timeout"], len(cells))
    cpu_seconds = math.ceil(setup + request["test_timeout"] * max(1, len(tests)))
    limits = isolation.limits(request["memory_bytes"], request["processes"], cpu_seconds)
    spec = {"cells": cells, "cell_timeout": request["cell_timeout"],
            "warnings_as_errors": request["warnings_as_errors"]}
    submission = Submission(spec, request["blocked"], time.monotonic() + setup, limits,
                            sandboxed=request["sandboxed"])
    warm_imports(tests)
    try:
        with os.fdopen(verdict_fd, "w") as verdicts:
            for source in tests:
                verdict = run_test(source, submission, helpers, request["call_timeout"], request["test_timeout"])
                verdicts.write(json.dumps(verdict) + "\n")
                verdicts.flush()
    finally:
        submission.close()

