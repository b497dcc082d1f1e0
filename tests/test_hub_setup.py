"""What ``make hub`` checks before it changes anything on the machine: root, a readable checkout, a roster whose
ids can name accounts without taking over one of the system's."""

import importlib.util
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from test_labs import ROOT

spec = importlib.util.spec_from_file_location("hub_start", ROOT / "hub" / "start.py")
start = importlib.util.module_from_spec(spec)
spec.loader.exec_module(start)


def roster(tmp_path, *ids):
    path = tmp_path / "roster.csv"
    path.write_text("id,name,email\n" + "".join(f"{i},Name,{i}@example.org\n" for i in ids))
    return path


def test_the_roster_becomes_accounts(tmp_path):
    students = start.student_accounts(roster(tmp_path, "ada", "alan_t", "grace-h"), "instructor")
    assert [s["id"] for s in students] == ["ada", "alan_t", "grace-h"]


@pytest.mark.parametrize("bad", ["Ada", "1ada", "a.b", "x" * 33])
def test_an_id_that_cannot_name_an_account_is_refused_by_name(tmp_path, bad):
    with pytest.raises(start.HubError, match="cannot name a system account"):
        start.student_accounts(roster(tmp_path, "ada", bad), "instructor")


def test_the_instructor_is_not_a_student(tmp_path):
    with pytest.raises(start.HubError, match="the instructor's account"):
        start.student_accounts(roster(tmp_path, "instructor"), "instructor")


def test_a_system_account_is_never_given_to_a_student():
    system = next(entry for entry in pwd.getpwall() if 0 < entry.pw_uid < start.FIRST_USER_UID)
    with pytest.raises(start.HubError, match="is a system account"):
        start.ensure_account({"id": system.pw_name, "name": ""})


def test_without_root_it_says_why_root_is_needed(monkeypatch):
    monkeypatch.setattr(start.os, "geteuid", lambda: 1000)
    with pytest.raises(start.HubError, match="must run as root"):
        start.check_root()


def test_a_checkout_other_users_cannot_enter_is_refused():
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "course" / "dlcore").mkdir(parents=True)
        folder.chmod(0o755)
        start.check_readable_by_all(folder / "course")  # open: accepted
        folder.chmod(0o700)
        with pytest.raises(start.HubError, match="closed to other users"):
            start.check_readable_by_all(folder / "course")
    finally:
        shutil.rmtree(folder)
