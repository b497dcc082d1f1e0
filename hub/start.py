"""Start the course hub: ``make hub``.

Creates what the hub needs, then runs JupyterHub (``hub/jupyterhub_config.py``) in the foreground:
a system account per student of the roster, the nbgrader exchange, and the two passwords of the hub's
local sign-in. Runs as root: the students' servers run as their own accounts. Settings come from the
environment (the Makefile passes them): HUB_PORT, HUB_STATE, NBGRADER_EXCHANGE, ROSTER, COURSE,
HUB_INSTRUCTOR.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "labs"))

from roster import RosterError, read_roster  # noqa: E402

# A name useradd accepts on every distribution, and a home folder name as well.
UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
FIRST_USER_UID = 1000


class HubError(RuntimeError):
    """The hub cannot start as set up; the message says what to change."""


def settings() -> dict[str, str]:
    """The hub's settings: the environment's, else the defaults."""
    roster = REPO / "labs" / "roster.csv"
    return {
        "HUB_PORT": os.environ.get("HUB_PORT", "8000"),
        "HUB_STATE": os.environ.get("HUB_STATE", str(REPO / "hub" / "state")),
        "NBGRADER_EXCHANGE": os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange"),
        "ROSTER": os.environ.get("ROSTER") or str(roster if roster.exists() else roster.with_suffix(".example.csv")),
        "COURSE": os.environ.get("COURSE", str(REPO / "labs")),
        "HUB_INSTRUCTOR": os.environ.get("HUB_INSTRUCTOR", "instructor"),
    }


def check_root() -> None:
    if os.geteuid() != 0:
        raise HubError("make hub creates a system account for each student and runs each student's server as "
                       "that account, so it must run as root: on the course's server or in a container, "
                       "`sudo make hub`.")


def check_readable_by_all(path: Path) -> None:
    """Students' servers run this checkout's .venv and dlcore: every folder above it must let them through."""
    if not open_to_all(path / "dlcore"):
        raise HubError(f"{path} lies in a folder closed to other users, so the students' servers could not run "
                       f"its .venv and dlcore: put the course where every user can read it (e.g. /srv/dnn-course).")


def open_to_all(path: Path) -> bool:
    """Whether every user can reach ``path`` (each folder above it lets others through)."""
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in path.resolve().parents)


def students_bin(venv: Path, overlay: Path) -> Path:
    """The folder of programs the students' servers run: the venv's own, or, where the venv's Python lies in a
    folder closed to other users (a Python installed in root's home), the same packages under the system's
    Python of the same version (``overlay``, made again at every start)."""
    base = (venv / "bin" / "python").resolve()
    if open_to_all(base):
        return venv / "bin"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = Path("/usr/bin") / version
    if not system.exists():
        raise HubError(f"the course's Python, {base}, lies in a folder closed to other users, and there is no "
                       f"{system} to run the students' servers: make the course's environment from a Python every "
                       f"user can run (`rm -rf .venv && make setup PYTHON=/path/to/{version}`).")
    shutil.rmtree(overlay, ignore_errors=True)
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(overlay)], check=True)
    site_packages = venv / "lib" / version / "site-packages"
    (overlay / "lib" / version / "site-packages" / "course.pth").write_text(
        f"import site; site.addsitedir({str(site_packages)!r})\n")
    shebang = f"#!{venv.resolve() / 'bin' / 'python'}".encode()
    for program in (venv / "bin").iterdir():
        if program.is_file() and not program.is_symlink() and program.read_bytes().split(b"\n", 1)[0] in (
                shebang, shebang + b"3"):
            body = program.read_bytes().split(b"\n", 1)[1]
            copy = overlay / "bin" / program.name
            copy.write_bytes(f"#!{overlay / 'bin' / 'python'}\n".encode() + body)
            copy.chmod(0o755)
    overlay.chmod(0o755)
    return overlay / "bin"


def student_accounts(roster: Path, instructor: str) -> list[dict]:
    """The roster's students, each id checked to be usable as a system account's name."""
    try:
        students = read_roster(roster)
    except (OSError, RosterError) as error:
        raise HubError(f"cannot read the roster: {error}") from None
    for student in students:
        name = student["id"]
        if not UNIX_NAME.match(name):
            raise HubError(f"{roster}: the id {name!r} cannot name a system account (lower-case letters, digits, "
                           "'_' or '-', starting with a letter, at most 32 characters)")
        if name == instructor:
            raise HubError(f"{roster}: {name!r} is the instructor's account, not a student's")
    return students


def ensure_account(student: dict) -> None:
    """A system account named by the student's id, made once; an existing system account is never reused."""
    name = student["id"]
    try:
        existing = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", student["name"] or name, name],
                       check=True)
        return
    if existing.pw_uid < FIRST_USER_UID:
        raise HubError(f"the roster's id {name!r} is a system account of this machine (uid {existing.pw_uid}); "
                       "a student's server would run as it. Rename the student in the roster.")


def ensure_exchange(root: Path) -> None:
    """nbgrader's exchange: every account may write in it, and only delete its own files (mode 1777)."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o1777)


def ensure_password(path: Path, length: int) -> str:
    if not path.exists():
        path.write_text(secrets.token_urlsafe(length) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> int:
    hub = settings()
    try:
        check_root()
        check_readable_by_all(REPO)
        students = student_accounts(Path(hub["ROSTER"]), hub["HUB_INSTRUCTOR"])
        for student in students:
            ensure_account(student)
        hub["HUB_STUDENT_BIN"] = str(students_bin(REPO / ".venv", REPO / "hub" / "python"))
    except HubError as error:
        print(f"make hub: {error}", file=sys.stderr)
        return 2
    ensure_exchange(Path(hub["NBGRADER_EXCHANGE"]))
    state = Path(hub["HUB_STATE"])
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    class_password = ensure_password(state / "class_password", 12)
    admin_password = ensure_password(state / "admin_password", 32)
    print(f"The course hub: http://127.0.0.1:{hub['HUB_PORT']}/ (this machine only)\n"
          f"  students ({len(students)}, from {hub['ROSTER']}) sign in with their id and the class password: "
          f"{class_password}\n"
          f"  the instructor signs in as {hub['HUB_INSTRUCTOR']!r} with the admin password: {admin_password}\n"
          f"  (both kept in {state}); the exchange is {hub['NBGRADER_EXCHANGE']}", flush=True)
    os.environ.update(hub)
    os.environ["HUB_STUDENTS"] = ",".join(student["id"] for student in students)
    os.chdir(state)
    jupyterhub = str(REPO / ".venv" / "bin" / "jupyterhub")
    os.execv(jupyterhub, [jupyterhub, "-f", str(REPO / "hub" / "jupyterhub_config.py")])


if __name__ == "__main__":
    sys.exit(main())
