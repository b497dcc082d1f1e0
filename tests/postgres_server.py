"""A throwaway, real PostgreSQL server for tests, started and stopped by the test itself.

``postgres_server()`` runs ``initdb`` in a fresh folder under /tmp, starts the server with
``pg_ctl``, creates a database and yields its SQLAlchemy URL, e.g.
``postgresql+psycopg2://postgres@/gradebook?host=/tmp/pgtest-abc123&port=5432``. The server
listens only on a Unix socket inside that folder (no TCP), trusts whoever reaches the socket, and
runs with fsync off; at the end it is stopped (``pg_ctl stop -m immediate``) and the folder removed,
also when the test failed.

initdb and postgres refuse to run as root: under root the server runs as the ``postgres`` user
(else ``nobody``), which owns the folder; otherwise it runs as the current user. Any command that
fails raises ``PostgresError`` naming the step, with the command's output (and the server's log).

The fixture ``postgres_url`` is function-scoped: each test gets its own empty server, so no test
sees another's rows (a start costs about a second). Without PostgreSQL it skips the test, except
under ``CI``, where it fails (.ci/run installs Debian's ``postgresql`` package).
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SUPERUSER = "postgres"
PORT = 5432
TIMEOUT_S = 120


class PostgresError(RuntimeError):
    """A step of starting, using or stopping the test server failed; the message carries its output."""


def _version_key(bindir: Path) -> tuple:
    """Sort key of /usr/lib/postgresql/<version>/bin by the version's numbers (9.6 < 10 < 15)."""
    version = bindir.parent.name
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def postgres_binaries() -> Path | None:
    """The folder of initdb and pg_ctl: the newest /usr/lib/postgresql/*/bin, else ``pg_config --bindir``, else None."""
    found = [initdb.parent for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    if found:
        return max(found, key=_version_key)
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
    bindir = Path(result.stdout.strip())
    return bindir if result.returncode == 0 and (bindir / "initdb").exists() else None


def require_postgres() -> Path:
    """The binaries' folder; skips the calling test when PostgreSQL is absent, and fails it instead under CI."""
    bindir = postgres_binaries()
    if bindir is not None:
        return bindir
    if os.environ.get("CI"):
        pytest.fail("CI is set but no PostgreSQL server was found (no /usr/lib/postgresql/*/bin/initdb, "
                    "no pg_config): .ci/run must install Debian's postgresql package")
    pytest.skip("needs a PostgreSQL server: Debian's postgresql package (.ci/run installs it)")


def _server_user() -> pwd.struct_passwd | None:
    """Whom the server runs as: None (the current user) unless root, then ``postgres``, else ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in (SUPERUSER, "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresError("running as root, and neither a 'postgres' nor a 'nobody' user exists to run the server")


def _as_user(command: list[str], user: pwd.struct_passwd | None) -> list[str]:
    """``command`` run as ``user`` (via setpriv, else runuser), or unchanged for the current user."""
    if user is None:
        return command
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--", *command]
    return ["runuser", "-u", user.pw_name, "--", *command]


def _run(step: str, command: list[str], folder: Path, user: pwd.struct_passwd | None = None) -> str:
    """Run one step in ``folder``; its stdout, or PostgresError naming the step with its output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    full = _as_user(command, user)
    try:
        result = subprocess.run(full, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PostgresError(f"{step} failed: {' '.join(full)}\n{error}") from None
    if result.returncode != 0:
        log = folder / "server.log"
        log_text = f"\n--- server log ---\n{log.read_text(errors='replace')}" if log.exists() else ""
        raise PostgresError(f"{step} failed (exit status {result.returncode}): {' '.join(full)}\n"
                            f"{result.stdout}{result.stderr}{log_text}")
    return result.stdout


def _initdb(bindir: Path, folder: Path, user: pwd.struct_passwd | None) -> None:
    """Create the cluster in ``folder/data`` and configure it: Unix socket in ``folder`` only, fsync off."""
    _run("initdb", [str(bindir / "initdb"), "-D", str(folder / "data"), "-U", SUPERUSER, "--auth=trust",
                    "--no-sync", "-E", "UTF8", "--locale=C"], folder, user)
    settings = {"listen_addresses": "", "unix_socket_directories": str(folder), "port": PORT,
                "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
    with open(folder / "data" / "postgresql.conf", "a") as conf:
        conf.write("\n# the throwaway test server (tests/postgres_server.py)\n")
        conf.writelines(f"{name} = '{value}'\n" for name, value in settings.items())


def _pg_ctl(bindir: Path, folder: Path, user: pwd.struct_passwd | None, *args: str) -> None:
    """Run ``pg_ctl`` on the cluster in ``folder/data``, waiting for it to finish."""
    command = [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-w", "-t", "60", *args]
    _run(f"pg_ctl {args[-1]}", command, folder, user)


def _postmaster_pid(folder: Path) -> int | None:
    """The running server's process id from ``postmaster.pid``, or None when there is none."""
    pid_file = folder / "data" / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(pid_file.read_text().split()[0])
    return None


def _stop(bindir: Path, folder: Path, user: pwd.struct_passwd | None) -> None:
    """Stop the server if it runs: ``pg_ctl stop -m immediate``, and SIGKILL should that fail."""
    pid = _postmaster_pid(folder)
    if pid is None:
        return
    try:
        _pg_ctl(bindir, folder, user, "-m", "immediate", "stop")
    except PostgresError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        raise


def database_url(folder: Path, database: str) -> str:
    """The SQLAlchemy URL of ``database`` on the server whose socket lies in ``folder``."""
    return f"postgresql+psycopg2://{SUPERUSER}@/{database}?host={folder}&port={PORT}"


@contextlib.contextmanager
def postgres_server(database: str = "gradebook") -> Iterator[str]:
    """Start a throwaway server, create ``database``, yield its SQLAlchemy URL; then stop it and remove its folder."""
    bindir = postgres_binaries()
    if bindir is None:
        raise PostgresError("no PostgreSQL server binaries (no /usr/lib/postgresql/*/bin/initdb, no pg_config)")
    user = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="pgtest-", dir="/tmp"))
    try:
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        _initdb(bindir, folder, user)
        try:
            _pg_ctl(bindir, folder, user, "-l", str(folder / "server.log"), "start")
            _run("createdb", [str(bindir / "createdb"), "-h", str(folder), "-p", str(PORT), "-U", SUPERUSER,
                              database], folder)
            yield database_url(folder, database)
        finally:
            _stop(bindir, folder, user)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a fresh ``gradebook`` database on the test's own server (skips without PostgreSQL; fails under CI)."""
    require_postgres()
    with postgres_server() as url:
        yield url
