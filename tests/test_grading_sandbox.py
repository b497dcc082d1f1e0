"""Hostile submissions of lab 3 against the autograder's sandbox, with real nbgrader and a real gradebook.

Each submission below is written as a student who has read the autograder's code would write it:
it tries to read or replace the verdicts, shadow what the tests use, read the course's secrets,
write any file of the course, reach the blocked modules, signal other processes, outlive its test,
exhaust memory or processes, stall or flood the judge, or confuse nbgrader with grade cells of its
own. All of them, and an honest solution, are graded in one ``nbgrader autograde`` run; each test
checks the fair score, and the course, the gradebook's tests and the process table are checked once
for the whole run.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from test_labs import LAB3, NBGRADER, ROOT, copy_course, grade_cells, nbgrader, notebook_path, scores

UID_BASE = 2_000_000_000  # the sandboxes' users when graded as root (labs/autograder/isolation.py)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("bwrap") is None and not os.environ.get("CI"),
                                 reason="the sandbox needs Debian's bubblewrap (.ci/run installs it)")]

FORWARD = ["test_forward_hidden", "test_forward_output", "test_forward_shapes"]
DELTAS = ["test_deltas_hidden", "test_deltas_output", "test_deltas_shapes"]
GRADIENTS = ["test_gradients_shapes", "test_gradients_values"]
TRAINING = ["test_train_digits", "test_train_moons"]
MARKER = "hostile-submission-marker"

# Implements nothing, and looks for the judge's request and result files to read and replace.
REPLACE_VERDICTS = """
import glob, json, os
for path in glob.glob("/proc/*/cwd/*") + glob.glob("/proc/*/root/tmp/*/*") + glob.glob("/tmp/**", recursive=True):
    try:
        if path.endswith("request.json"):
            open(path).read()
        with open(path if path.endswith(".jsonl") else path + ".jsonl", "w") as f:
            f.write('{"passed": true, "message": "passed"}\\n' * 13)
    except OSError:
        pass
for fd in range(3, 64):
    try:
        os.write(fd, b'{"passed": true, "message": "passed"}\\n' * 13)
    except OSError:
        pass
"""

# Implements nothing; shadows the builtins, helpers and modules that the tests use.
SHADOW = """
range = lambda *args: []
enumerate = lambda *args: []
float = lambda *args: 1.0
len = lambda *args: 3
isinstance = lambda *args: True
def expect_close(*args, **kwargs): pass
def expect_shape(*args, **kwargs): pass
def expect_length(*args, **kwargs): pass
def check_shapes(*args, **kwargs): pass
def check_hidden(*args, **kwargs): pass
def check_hidden_deltas(*args, **kwargs): pass
def forward_reference(*args, **kwargs): return [None, None], [None, None]
class np:
    allclose = staticmethod(lambda *args, **kwargs: True)
AssertionError = Exception
"""

# Implements nothing; looks for the source notebook and the gradebook to borrow the solutions.
READ_SECRETS = """
import glob, os
found = []
for pattern in ("/**/source/*/*.ipynb", "/**/gradebook.db", "/**/lab3_backpropagation.ipynb", "/**/judge.py",
                "/**/dlcore/backprop.py", "/**/dlcore/testing.py"):
    found += glob.glob(pattern, recursive=True)

def forward(X, W, b, g, g_out):
    import json
    for path in found:
        if path.endswith(".ipynb"):
            cells = json.load(open(path))["cells"]
            namespace = {}
            for cell in cells:
                exec("".join(cell["source"]), namespace)
            return namespace["forward"](X, W, b, g, g_out)
    raise RuntimeError(f"nothing to borrow: {found}")
"""

# The solution, plus a cell that tries to write, append to or delete every file of the course.
WRITE_COURSE = """
import glob, os
targets = {targets!r}
for path in targets + glob.glob("/**/*.py", recursive=True)[:2000] + glob.glob("/**/*.ipynb", recursive=True):
    for mode in ("a", "w"):
        try:
            with open(path, mode) as f:
                f.write("raise SystemExit('{marker}')\\n")
        except OSError:
            pass
    try:
        os.remove(path)
    except OSError:
        pass
for folder in targets:
    try:
        os.makedirs(os.path.join(os.path.dirname(folder), "{marker}"))
    except OSError:
        pass
"""

# Implements nothing itself; delegates to the blocked modules by every route.
DELEGATE = """
import importlib, sys

def forward(X, W, b, g, g_out):
    sys.meta_path[:] = [f for f in sys.meta_path if "Blocked" not in type(f).__name__]
    from dlcore.testing import forward_reference
    return forward_reference(X, W, b, g)

def backprop_deltas(delta_L, a, z, W, g_prime):
    namespace = {{}}
    for path in ("/sandbox/lib/dlcore/backprop.py", "{root}/dlcore/backprop.py"):
        try:
            exec(open(path).read(), namespace)
        except Exception:
            pass
    module = sys.modules.get("dlcore.backprop") or importlib.import_module("dlcore.backprop")
    return module.backprop_deltas(delta_L, a, z, W, g_prime)

def weight_gradients(delta, z):
    torch = importlib.import_module("torch")
    return torch.autograd.grad(delta, z)
"""

# The solution, plus attempts to kill or stop every process it can name, outside its sandbox too.
SIGNALS = """
import os, signal

def weight_gradients(delta, z):
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for target in [-1, 1, os.getppid()] + [int(p) for p in os.listdir("/proc") if p.isdigit()] + list(range(2, 400)):
            if target != os.getpid():
                try:
                    os.kill(target, sig)
                except OSError:
                    pass
    L = len(delta) - 1
    return [None] + [delta[l].T @ z[l - 1] for l in range(1, L + 1)], [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
"""

# The solution, plus processes that try to outlive their test and the run.
LINGER = """
import os, subprocess, sys

_lingering = []

def _linger():
    if _lingering:
        return
    _lingering.append(True)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "1000", "{marker}"])
        os._exit(0)
    subprocess.Popen(["/bin/sleep", "1000", "{marker}"], start_new_session=True)

_linger()

def weight_gradients(delta, z):
    _linger()
    L = len(delta) - 1
    return [None] + [delta[l].T @ z[l - 1] for l in range(1, L + 1)], [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
"""

# The solution, except that forward tries to take 8 GiB and backprop_deltas forks without end.
BOMBS = """
import os, time

_solution_forward = forward

def forward(X, W, b, g, g_out):
    hog = bytearray(8 * 2**30)
    return _solution_forward(X, W, b, g, g_out)

_solution_deltas = backprop_deltas

def backprop_deltas(delta_L, a, z, W, g_prime):
    for _ in range(500):
        try:
            if os.fork() == 0:
                time.sleep(1000)
                os._exit(0)
        except OSError:
            break
    return _solution_deltas(delta_L, a, z, W, g_prime)
"""

# The solution, except that weight_gradients trickles its reply and backprop_deltas announces a huge one.
STALL = """
import os, socket, stat, struct, time

def _socket_fd():
    return next(fd for fd in range(3, 256) if _is_socket(fd))

def _is_socket(fd):
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False

def weight_gradients(delta, z):
    fd = _socket_fd()
    os.write(fd, struct.pack("<Q", 100))
    for _ in range(200):
        os.write(fd, b" ")
        time.sleep(0.5)

def backprop_deltas(delta_L, a, z, W, g_prime):
    fd = _socket_fd()
    os.write(fd, struct.pack("<Q", 2**62))
    os.write(fd, b"x" * 100000)
    time.sleep(1000)
"""

# What a careless student might hand in: a function bound by assignment, and comments and strings that name torch.
CARELESS_FORWARD = """
def my_forward(X, W, b, g, g_out):
    L = len(W) - 1
    a, z = [None] * (L + 1), [X] + [None] * L
    for l in range(1, L + 1):
        a[l] = z[l - 1] @ W[l].T + b[l]
        z[l] = g_out(a[l]) if l == L else g(a[l])
    return a, z

forward = my_forward
"""
CARELESS_DELTAS = """
def backprop_deltas(delta_L, a, z, W, g_prime):
    # unlike torch's autograd (loss.backward()), the recursion by hand
    note = "not torch.autograd, not dlcore.backprop"
    L = len(W) - 1
    delta = [None] * (L + 1)
    delta[L] = delta_L
    for l in range(L, 1, -1):
        delta[l - 1] = g_prime(a[l - 1], z[l - 1]) * (delta[l] @ W[l])
    return delta
"""


def solution_cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def hostile_submissions(source, release, course: Path):
    """Submissions of lab 3 by name: (notebook, the test cells it should fail)."""
    copy = lambda nb: nbformat.from_dict(json.loads(json.dumps(nb)))  # noqa: E731
    everything = sorted(grade_cells(LAB3))

    def added(base, code, after="weight_gradients"):
        nb = copy(base)
        nb.cells.insert(nb.cells.index(solution_cell(nb, after)) + 1, nbformat.v4.new_code_cell(code))
        return nb

    def in_solution_cell(base, grade_id, code):
        nb = copy(base)
        solution_cell(nb, grade_id).source += "\n" + code
        return nb

    others = [str(p) for p in (course / "submitted").glob("*/*/*.ipynb")]
    targets = [str(course / name) for name in ("gradebook.db", "nbgrader_config.py")] + [
        str(p) for p in course.glob("autograder/*.py")] + [
        str(notebook_path(course, kind, LAB3)) for kind in ("source", "release")] + others + [
        str(ROOT / "dlcore" / "backprop.py"), str(ROOT / "labs" / "nbgrader_config.py")]
    careless = copy(source)
    solution_cell(careless, "forward").source = CARELESS_FORWARD
    solution_cell(careless, "backprop_deltas").source = CARELESS_DELTAS
    extra = copy(source)
    extra.cells.insert(4, nbformat.v4.new_code_cell("def forward_helper():\n    return 1\n", metadata={"nbgrader": {
        "grade": True, "grade_id": "my_own_test", "points": 100, "locked": False, "solution": False,
        "schema_version": 3, "task": False}}))
    extra.cells.remove(solution_cell(extra, "forward"))  # the cell before the deleted test is gone too
    extra.cells.remove(solution_cell(extra, "test_forward_shapes"))
    return {
        "solution": (copy(source), []),
        "replaces_verdicts": (in_solution_cell(release, "forward", REPLACE_VERDICTS), everything),
        "shadows_builtins_and_helpers": (in_solution_cell(release, "forward", SHADOW), everything),
        "reads_secrets": (in_solution_cell(release, "forward", READ_SECRETS), everything),
        "writes_the_course": (in_solution_cell(source, "weight_gradients",
                                               WRITE_COURSE.format(targets=targets, marker=MARKER)), []),
        "delegates_to_blocked_modules": (in_solution_cell(release, "forward", DELEGATE.format(root=ROOT)),
                                         everything),
        "signals_every_process": (added(source, SIGNALS), []),
        "lingers": (in_solution_cell(source, "weight_gradients", LINGER.format(marker=MARKER)), []),
        "memory_and_fork_bombs": (in_solution_cell(source, "weight_gradients", BOMBS), sorted(FORWARD + TRAINING)),
        "stalls_and_floods": (added(source, STALL), sorted(DELTAS + GRADIENTS + TRAINING)),
        "extra_and_missing_grade_cells": (extra, sorted(FORWARD + TRAINING)),
        "careless_alias_and_comments": (careless, []),
    }


def digest(course: Path) -> dict[str, str]:
    """A hash of every file of the course but the autograded copies and the gradebook."""
    return {str(p.relative_to(course)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(course.rglob("*"))
            if p.is_file() and "autograded" not in p.parts and p.name != "gradebook.db" and "__pycache__" not in p.parts}


def gradebook_tests(course: Path):
    """The tests and cells nbgrader stored for the lab, which autograding must leave alone."""
    with sqlite3.connect(course / "gradebook.db") as db:
        return [db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
                for table in ("source_cell", "base_cell", "grade_cells", "solution_cells", "notebook", "assignment")]


def sandbox_processes() -> list[str]:
    """Processes of a submission still alive (zombies waiting to be reaped hold no resources and are left out)."""
    for _ in range(20):
        listing = subprocess.run(["ps", "-eo", "pid,uid,stat,args"], capture_output=True, text=True).stdout
        found = [line for line in listing.splitlines()[1:] if (MARKER in line or int(line.split()[1]) >= UID_BASE
                                                               or "autograder.sandbox" in line) and "Z" not in line.split()[2]]
        if not found:
            return []
        time.sleep(0.25)
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("hostile"))
    nbgrader(course, "generate_assignment", LAB3, "--force")
    source = nbformat.read(notebook_path(course, "source", LAB3), 4)
    release = nbformat.read(notebook_path(course, "release", LAB3), 4)
    notebook_path(course, "submitted", LAB3, "solution").parent.mkdir(parents=True)
    nbformat.write(source, notebook_path(course, "submitted", LAB3, "solution"))  # another student's notebook
    submissions = hostile_submissions(source, release, course)
    for student, (nb, _) in submissions.items():
        path = notebook_path(course, "submitted", LAB3, student)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
    before, tests_before, repository_before = digest(course), gradebook_tests(course), digest(ROOT / "dlcore")
    start = time.perf_counter()
    result = nbgrader(course, "autograde", LAB3, check=False)
    seconds = time.perf_counter() - start
    return {"course": course, "submissions": submissions, "result": result, "seconds": seconds,
            "changed": {k for k in set(before) | set(digest(course)) if before.get(k) != digest(course).get(k)},
            "tests_changed": tests_before != gradebook_tests(course),
            "repository_changed": repository_before != digest(ROOT / "dlcore"),
            "processes": sandbox_processes()}


STUDENTS = ["solution", "replaces_verdicts", "shadows_builtins_and_helpers", "reads_secrets", "writes_the_course",
            "delegates_to_blocked_modules", "signals_every_process", "lingers", "memory_and_fork_bombs",
            "stalls_and_floods", "extra_and_missing_grade_cells", "careless_alias_and_comments"]


@pytest.mark.parametrize("student", STUDENTS)
def test_each_submission_earns_only_what_its_own_functions_compute(graded, student):
    _, should_fail = graded["submissions"][student]
    got = scores(graded["course"], LAB3, student)
    expected = {name: 0.0 if name in should_fail else points for name, points in grade_cells(LAB3).items()}
    assert got == expected, {name: (got.get(name), expected[name]) for name in expected if got.get(name) != expected[name]}


def test_nbgrader_grades_every_submission_and_finishes(graded):
    assert graded["result"].returncode == 0, graded["result"].stderr[-3000:]
    assert graded["seconds"] < 240, f"the run took {graded['seconds']:.0f} s"


def test_no_file_of_the_course_or_the_repository_changes(graded):
    assert graded["changed"] == set(), f"changed, created or deleted: {sorted(graded['changed'])}"
    assert not graded["repository_changed"], "a file of dlcore changed"
    assert not list(graded["course"].rglob(f"*{MARKER}*"))


def test_the_gradebook_keeps_its_tests_and_no_extra_grades(graded):
    assert not graded["tests_changed"]
    with sqlite3.connect(graded["course"] / "gradebook.db") as db:
        manual = db.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL").fetchone()[0]
        names = {row[0] for row in db.execute("SELECT name FROM base_cell JOIN grade_cells ON base_cell.id = grade_cells.id")}
    assert manual == 0 and names == set(grade_cells(LAB3))


def test_no_process_of_a_submission_outlives_the_run(graded):
    assert graded["processes"] == []


def test_each_test_cell_says_why_it_failed(graded):
    nb = nbformat.read(notebook_path(graded["course"], "autograded", LAB3, "stalls_and_floods"), 4)
    messages = "\n".join(o.get("evalue", "") for c in nb.cells for o in c.get("outputs", []))
    assert "did not return within" in messages and "at most" in messages


def test_without_the_sandbox_grading_stops_and_says_how_to_fix_it(graded):
    """No bubblewrap on PATH: nothing is graded, and the message names the fix and the explicit way around it."""
    course = graded["course"]
    path = notebook_path(course, "submitted", LAB3, "no_sandbox")
    path.parent.mkdir(parents=True)
    shutil.copy(notebook_path(course, "source", LAB3), path)
    result = subprocess.run([str(NBGRADER), "autograde", LAB3, "--student", "no_sandbox"], cwd=course,
                            env={"PATH": str(NBGRADER.parent), "HOME": str(course)}, capture_output=True, text=True,
                            timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "bubblewrap" in output and "--IsolatedExecute.unsandboxed=True" in output
    assert not notebook_path(course, "autograded", LAB3, "no_sandbox").exists()


def test_unsandboxed_grading_is_explicit_and_stated_in_the_feedback(graded):
    course = graded["course"]
    path = notebook_path(course, "submitted", LAB3, "unsandboxed")
    path.parent.mkdir(parents=True)
    shutil.copy(notebook_path(course, "source", LAB3), path)
    result = nbgrader(course, "autograde", LAB3, "--student", "unsandboxed", "--IsolatedExecute.unsandboxed=True")
    assert "UNSANDBOXED" in result.stdout + result.stderr
    assert scores(course, LAB3, "unsandboxed") == grade_cells(LAB3)
    nbgrader(course, "generate_feedback", LAB3, "--student", "unsandboxed")
    assert "graded without the sandbox" in (course / "feedback" / "unsandboxed" / LAB3 / f"{LAB3}.html").read_text()


def test_a_sandbox_that_ended_early_never_gets_another_process_killed_through_its_reused_pid():
    """The sandbox's first process exits during the cells; when the judge cleans up, the number that named
    it names someone else's process (PIDs wrap around on a busy grader): that process must live on."""
    import sys

    sys.path.insert(0, str(ROOT / "labs"))
    from autograder import isolation
    from autograder.proxy import Submission

    spec = {"cells": [{"source": "import os\nos._exit(0)", "run": "all"}], "cell_timeout": 20.0,
            "warnings_as_errors": False}
    submission = Submission(spec, [], time.monotonic() + 60, isolation.limits(2**31, 8, 60))
    deadline = time.monotonic() + 60
    while submission._process.poll() is None:  # bubblewrap ends when the sandbox's first process has
        assert time.monotonic() < deadline, "the sandbox did not end"
        time.sleep(0.01)
    victim = subprocess.Popen(["sleep", "60"])
    try:
        submission.zygote = victim.pid  # what a reused PID looks like to the judge
        submission.wait_until_ready()
        submission.end_session()
        submission.close()
        time.sleep(0.2)
        assert victim.poll() is None, "the judge killed a process that was not the submission's"
        assert submission.broken, "the submission's early end must be reported"
    finally:
        victim.kill()
        victim.wait()


HOLD_PROCESSES = """
import sys, time
sys.path.insert(0, sys.argv[1])
from autograder import isolation
from autograder.proxy import Submission
fork_all = "import os, time\\nfor _ in range(50):\\n    try:\\n        if os.fork() == 0:\\n            time.sleep(60)\\n            os._exit(0)\\n    except OSError:\\n        break\\n"
spec = {"cells": [{"source": fork_all, "run": "all"}], "cell_timeout": 20.0, "warnings_as_errors": False}
submission = Submission(spec, [], time.monotonic() + 60, isolation.limits(2**31, 8, 60))
submission.wait_until_ready()
print("holding", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="graded as an ordinary user, submissions share the process cap "
                                              "(documented in the instructors' guide)")
def test_a_submission_at_its_process_cap_leaves_one_graded_beside_it_untouched():
    """Two judges at once (JOBS=2): one submission holds every process its cap allows; the other, graded at
    the same time, still gets a fresh process for each of its tests."""
    import sys

    sys.path.insert(0, str(ROOT / "labs"))
    from autograder import isolation
    from autograder.proxy import Submission

    hog = subprocess.Popen([sys.executable, "-c", HOLD_PROCESSES, str(ROOT / "labs")], stdout=subprocess.PIPE,
                           text=True, start_new_session=True)
    try:
        assert hog.stdout.readline().strip() == "holding"
        spec = {"cells": [{"source": "def f(x):\n    return x + 1", "run": "all"}], "cell_timeout": 20.0,
                "warnings_as_errors": False}
        submission = Submission(spec, [], time.monotonic() + 60, isolation.limits(2**31, 8, 60))
        results = []
        for x in range(10):
            session = submission.session(5.0, time.monotonic() + 30)
            try:
                results.append(session.function("f")(x))
            finally:
                session.close()
        submission.close()
        assert results == [x + 1 for x in range(10)]
    finally:
        os.killpg(hog.pid, 9)
        hog.wait()
