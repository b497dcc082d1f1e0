"""Grading a class at scale, as an instructor runs it (``labs/autograde.py``, the command ``make autograde`` runs).

A class of three submissions per lab (correct, partly wrong or empty, hostile) is graded once one at a
time; that gradebook is the reference. Graded two at a time, on a Dask scheduler with two workers, or
into a PostgreSQL gradebook, every grade must be the same; a judge host or a Dask worker killed in the
middle, or the run itself interrupted and started again, must leave every submission graded exactly once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postgres_server import postgres_url  # noqa: F401 - the fixture
from test_labs import NBGRADER, ROOT, copy_course, grade_cells, nbgrader

sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "labs"))

from autograder.grading import MARKER, gradebook_scores  # noqa: E402
from autograder.isolation import descendants  # noqa: E402
from synthetic_class import make_class  # noqa: E402

pytestmark = pytest.mark.slow

COURSE_ID = "dnn-course"
PARTS = ("source", "autograder", "nbgrader_config.py", "autograde.py")
LABS = sorted(p.name for p in (ROOT / "labs" / "source").iterdir() if p.is_dir())
N_SUBMISSIONS = 3 * len(LABS)  # the class of pick()
ENV = dict(os.environ, PATH=os.pathsep.join([str(NBGRADER.parent), os.environ.get("PATH", "")]))


def pick(kinds: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """Three submissions per lab: the first correct, the first hostile, and the first partly wrong (the first
    empty one for every other lab); none that hangs, whose time limits would dominate the run."""
    chosen = {}
    for index, lab in enumerate(LABS):
        of_lab = sorted((student, kind) for (student, lab_), kind in kinds.items() if lab_ == lab)
        for wanted in ("correct", "hostile", "partly wrong" if index % 2 else "empty"):
            student = next(student for student, kind in of_lab if kind == wanted)
            chosen[student, lab] = wanted
    return chosen


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict]:
    """A course with every lab released and the class's submissions; copy it before grading."""
    course = copy_course(tmp_path_factory.mktemp("class"), PARTS)
    for lab in LABS:
        nbgrader(course, "generate_assignment", lab, "--force")
    chosen = pick(make_class(course, n_students=12, seed=3))
    for folder in (course / "submitted").glob("*/*"):
        if (folder.parent.name, folder.name) not in chosen:
            shutil.rmtree(folder)
    return course, chosen


def fresh(template, tmp_path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(template[0], course)
    return course


def autograde(course: Path, *args, **popen):
    """``python autograde.py ARGS`` in ``course``: a Popen (wait on it yourself)."""
    popen.setdefault("env", ENV)
    return subprocess.Popen([sys.executable, "autograde.py", *args], cwd=course, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **popen)


def finish(process, timeout=600) -> str:
    out, _ = process.communicate(timeout=timeout)
    return out


def scores(course: Path, db_url: str | None = None) -> dict:
    return gradebook_scores(db_url or f"sqlite:///{course / 'gradebook.db'}", COURSE_ID)


def markers(course: Path) -> dict[Path, float]:
    return {path: path.stat().st_mtime_ns for path in (course / "autograded").glob(f"*/*/{MARKER}")}


def wait_for_markers(course: Path, n: int, process, timeout=300):
    deadline = time.monotonic() + timeout
    while len(markers(course)) < n:
        assert process.poll() is None, f"the run ended before {n} submissions were graded:\n{finish(process)}"
        assert time.monotonic() < deadline, f"fewer than {n} submissions graded after {timeout} s"
        time.sleep(0.05)


def processes_running(parent: int, fragment: str) -> list[int]:
    """The descendants of ``parent`` whose command line contains ``fragment``."""
    found = []
    for pid in descendants(parent):
        try:
            if fragment in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode():
                found.append(pid)
        except OSError:
            pass
    return found


def assert_all_graded_once(course: Path, chosen: dict, reference: dict, db_url: str | None = None):
    got = scores(course, db_url)
    assert sorted(got) == sorted(chosen), "every submission has exactly one graded entry in the gradebook"
    assert sorted((p.parent.parent.name, p.parent.name) for p in markers(course)) == sorted(chosen)
    different = {key: (got[key], reference[key]) for key in chosen if got[key] != reference[key]}
    assert not different, f"grades differ from the one-at-a-time run: {different}"


@pytest.fixture(scope="module")
def reference(template, tmp_path_factory) -> dict:
    """The gradebook of the class graded one submission at a time."""
    course = tmp_path_factory.mktemp("serial") / "course"
    shutil.copytree(template[0], course)
    run = autograde(course, "--jobs", "1")
    out = finish(run)
    assert run.returncode == 0, out
    return scores(course)


def test_the_reference_grades_are_what_each_kind_deserves(template, reference):
    """Correct submissions get every autograded point, empty ones none, partly wrong ones less than all,
    hostile ones no more than all (an attack gains nothing)."""
    for (student, lab), kind in template[1].items():
        points, got = grade_cells(lab), reference[student, lab]
        assert all(got[name] is not None for name in points), f"{student}/{lab} ({kind}) has ungraded tests: {got}"
        total, full = sum(got[name] for name in points), sum(points.values())
        expected = {"correct": total == full, "empty": total == 0, "partly wrong": total < full,
                    "hostile": total <= full}[kind]
        assert expected, f"{student}/{lab} ({kind}) scored {total} of {full}: {got}"


def test_two_jobs_grade_exactly_as_one_does(template, reference, tmp_path):
    course = fresh(template, tmp_path)
    run = autograde(course, "--jobs", "2")
    out = finish(run)
    assert run.returncode == 0, out
    assert f"Graded {N_SUBMISSIONS} submissions" in out and "0 could not be graded" in out, out
    assert_all_graded_once(course, template[1], reference)
    log = (course / "autograde.log").read_text()
    for (student, lab), kind in template[1].items():
        if kind != "hostile":  # honest work draws no warning (an untouched test cell is not "changed")
            assert f"autograde.{student}.{lab} WARNING" not in log, f"{student}/{lab} ({kind}):\n{log[-3000:]}"


def test_a_killed_judge_host_loses_nothing(template, reference, tmp_path):
    """SIGKILL one of the run's warm judge processes mid-run: its notebook is judged again on a fresh one."""
    course = fresh(template, tmp_path)
    run = autograde(course, "--jobs", "2")
    wait_for_markers(course, 1, run)
    hosts = processes_running(run.pid, "autograder.host")
    assert hosts, "the run has no judge host to kill"
    subprocess.run(["kill", "-9", str(hosts[0])], check=True)
    out = finish(run)
    assert run.returncode == 0, out
    assert_all_graded_once(course, template[1], reference)


def test_an_interrupted_run_is_finished_by_the_next_without_regrading(template, reference, tmp_path):
    course = fresh(template, tmp_path)
    run = autograde(course, "--jobs", "2")
    wait_for_markers(course, 3, run)
    run.send_signal(signal.SIGINT)
    out = finish(run)
    assert run.returncode == 130, out
    assert "Interrupted" in out, out
    done = markers(course)
    assert 3 <= len(done) < N_SUBMISSIONS, f"the interrupt came too late to test anything: {len(done)} graded"
    again = autograde(course, "--jobs", "2")
    out = finish(again)
    assert again.returncode == 0, out
    assert f"Graded {N_SUBMISSIONS - len(done)} submissions" in out and f"{len(done)} already graded" in out, out
    assert all(markers(course)[path] == mtime for path, mtime in done.items()), "a finished submission was regraded"
    assert_all_graded_once(course, template[1], reference)


def test_a_resubmission_is_graded_again_and_force_regrades_everything(template, reference, tmp_path):
    course = fresh(template, tmp_path)
    assert autograde(course, "--jobs", "2").wait(timeout=600) == 0
    student, lab = next(key for key, kind in template[1].items() if kind == "empty")
    correct = next(s for (s, l), kind in template[1].items() if l == lab and kind == "correct")
    shutil.copy(course / "submitted" / correct / lab / f"{lab}.ipynb", course / "submitted" / student / lab)
    out = finish(autograde(course, "--jobs", "2"))
    assert "Graded 1 submissions" in out and f"{student:<14} {lab}" in out, out
    assert scores(course)[student, lab] == reference[correct, lab], "the resubmission's grades"
    out = finish(autograde(course, "--jobs", "2", "--force", "--lab", lab))
    assert "Graded 3 submissions" in out and "0 already graded" in out, out


def test_a_dask_cluster_with_a_killed_worker_grades_everything_once(template, reference, tmp_path):
    """A real scheduler and two workers on localhost; one worker is killed mid-run."""
    course = fresh(template, tmp_path)
    dask = str(Path(sys.executable).parent / "dask")
    scheduler_file = tmp_path / "scheduler.json"
    env = dict(ENV, PYTHONPATH=str(course))
    started = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                 "--scheduler-file", str(scheduler_file)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)]
    try:
        for name in ("w1", "w2"):
            started.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(scheduler_file), "--name", name,
                                             "--nthreads", "1", "--no-nanny", "--no-dashboard"], env=env,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = scheduler_address(scheduler_file, workers=2)
        run = autograde(course, "--scheduler", address)
        wait_for_markers(course, 1, run)
        started[1].kill()
        out = finish(run)
        assert run.returncode == 0, out
        assert f"Graded {N_SUBMISSIONS} submissions" in out, out
        assert_all_graded_once(course, template[1], reference)
    finally:
        for process in started:
            process.kill()
            process.wait()


def scheduler_address(scheduler_file: Path, workers: int, timeout=120) -> str:
    """The scheduler's address, once ``workers`` workers have joined it."""
    import json

    from distributed import Client

    deadline = time.monotonic() + timeout
    while not scheduler_file.exists():
        assert time.monotonic() < deadline, "the Dask scheduler did not start"
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    with Client(address, timeout=timeout) as client:
        client.wait_for_workers(workers, timeout=timeout)
    return address


def test_a_postgresql_gradebook_gets_the_same_grades(template, reference, tmp_path, monkeypatch,
                                                     postgres_url):  # noqa: F811
    """GRADEBOOK_URL names the server for every nbgrader command: releasing, then grading."""
    course = fresh(template, tmp_path)
    monkeypatch.setenv("GRADEBOOK_URL", postgres_url)
    for lab in LABS:  # the assignments go into the server's gradebook, as an instructor would release them
        nbgrader(course, "generate_assignment", lab, "--force")
    run = autograde(course, "--jobs", "2", env=dict(ENV, GRADEBOOK_URL=postgres_url))
    out = finish(run)
    assert run.returncode == 0, out
    assert_all_graded_once(course, template[1], reference, db_url=postgres_url)
    assert scores(course) == {}, "nothing may go to the course's SQLite file when the gradebook is elsewhere"
