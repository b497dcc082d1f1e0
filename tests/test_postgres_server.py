"""nbgrader's gradebook on a real PostgreSQL server that each test starts itself (tests/postgres_server.py).

The server accepts a Gradebook and hands its rows to a second connection; two threads writing
students at once lose none; and after the context manager the server and its folder are gone, also
when the body failed or a step of the start failed.
"""

import os
import sys
import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy
from nbgrader.api import Gradebook

from postgres_server import PORT, PostgresError, postgres_server, postgres_url, require_postgres  # noqa: F401

pytestmark = pytest.mark.slow

COURSE = "dnn-course"
DUE = datetime(2025, 11, 3, 23, 59)


@pytest.fixture(autouse=True)
def alembic_on_path(monkeypatch):
    """The virtual environment's bin first on PATH: a Gradebook on a new database runs ``alembic heads`` from PATH."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent), prepend=os.pathsep)


def socket_folder(url: str) -> Path:
    """The folder holding the server's Unix socket, from the URL's ``host``."""
    return Path(parse_qs(urlsplit(url).query)["host"][0])


def server_pid(url: str) -> int:
    """The postmaster's process id, from the first line of its ``postmaster.pid``."""
    return int((socket_folder(url) / "data" / "postmaster.pid").read_text().split()[0])


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie left for a reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def fill_gradebook(url: str) -> None:
    """A student, an assignment with a notebook and a grade cell, written through one Gradebook."""
    with Gradebook(url, COURSE) as gradebook:
        assert gradebook.engine.dialect.name == "postgresql"
        gradebook.update_or_create_student("ada", first_name="Ada", last_name="Lovelace", email="ada@example.org")
        gradebook.add_assignment("lab1", duedate=DUE)
        gradebook.add_notebook("perceptron", "lab1")
        gradebook.update_or_create_grade_cell("test_forward", "perceptron", "lab1", max_score=3.0, cell_type="code")


def test_gradebook_on_postgres(postgres_url):
    fill_gradebook(postgres_url)
    with Gradebook(postgres_url, COURSE) as other:
        tables = set(sqlalchemy.inspect(other.engine).get_table_names())
        assert {"course", "student", "assignment", "notebook", "grade_cells", "alembic_version"} <= tables, tables
        student = other.find_student("ada")
        assert (student.first_name, student.last_name, student.email) == ("Ada", "Lovelace", "ada@example.org")
        assignment = other.find_assignment("lab1")
        assert (assignment.duedate, assignment.course_id) == (DUE, COURSE)
        assert [notebook.name for notebook in assignment.notebooks] == ["perceptron"]
        cell = other.find_grade_cell("test_forward", "perceptron", "lab1")
        assert (cell.max_score, cell.cell_type) == (3.0, "code")
        assert assignment.max_score == 3.0


def add_students(url: str, prefix: str, start: threading.Barrier, errors: list) -> None:
    """Open a Gradebook of this thread's own and add 20 students ``prefix00``..``prefix19``."""
    try:
        with Gradebook(url, COURSE) as gradebook:
            start.wait(timeout=30)
            for number in range(20):
                gradebook.update_or_create_student(f"{prefix}{number:02d}", first_name=prefix)
    except Exception as error:  # reported by the test, which a thread's exception would not fail
        errors.append(error)


def test_concurrent_writers_lose_no_student(postgres_url):
    Gradebook(postgres_url, COURSE).close()  # the tables and the course, made once before the writers start
    start, errors = threading.Barrier(2), []
    threads = [threading.Thread(target=add_students, args=(postgres_url, prefix, start, errors))
               for prefix in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with Gradebook(postgres_url, COURSE) as gradebook:
        ids = {student.id for student in gradebook.students}
    assert ids == {f"{prefix}{number:02d}" for prefix in "ab" for number in range(20)}


def test_server_gone_after_exit():
    require_postgres()
    with postgres_server() as url:
        folder, pid = socket_folder(url), server_pid(url)
        socket = folder / f".s.PGSQL.{PORT}"
        assert socket.is_socket() and running(pid)
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("SELECT current_database()")).scalar() == "gradebook"
        engine.dispose()
    assert not socket.exists() and not folder.exists()
    assert not running(pid), f"the postmaster {pid} still runs"


def test_server_gone_after_failing_body():
    require_postgres()
    with pytest.raises(ZeroDivisionError):
        with postgres_server() as url:
            folder, pid = socket_folder(url), server_pid(url)
            1 / 0
    assert not folder.exists() and not running(pid)


def test_failed_step_named_with_its_output():
    require_postgres()
    before = set(Path("/tmp").glob("pgtest-*"))
    with pytest.raises(PostgresError, match=r"(?s)createdb failed.*already exists"):
        with postgres_server("postgres"):  # initdb made it already
            pass
    assert set(Path("/tmp").glob("pgtest-*")) == before
