"""The judge's side of the sandbox: the submission's process, sessions with it, and proxies."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import wire

LABS = Path(__file__).resolve().parents[1]


class StudentCodeError(AssertionError):
    """The submission's function raised, hung, crashed its process, or returned what cannot be graded."""


class Submission:
    """The submission's cells, run once in a fresh process; ``session()`` forks a copy for one test.

    ``cells`` are ``{"source": ..., "run": "all" | "definitions"}`` (see :mod:`autograder.sandbox`).
    """

    def __init__(self, cells, blocked=(), start_timeout: float = 60.0, warnings_as_errors: bool = False):
        self._folder = tempfile.TemporaryDirectory()
        spec = Path(self._folder.name) / "spec.json"
        spec.write_text(json.dumps({"cells": list(cells), "blocked": list(blocked),
                                    "warnings_as_errors": warnings_as_errors}))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(LABS), os.environ.get("PYTHONPATH", "")]),
                   NBGRADER_EXECUTION="autograde", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self._process = subprocess.Popen([sys.executable, "-m", "autograder.sandbox", str(spec)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         env=env, cwd=self._folder.name)
        self._sessions = 0
        self.failures = None
        self.broken = None  # why no session can be started
        self._start_deadline = time.monotonic() + start_timeout
        self._ready = False

    def wait_until_ready(self):
        """Block until the submission's cells have run (the judge can prepare meanwhile)."""
        if not self._ready:
            self._ready = True
            self._await_ready(self._start_deadline - time.monotonic())

    def _await_ready(self, timeout):
        os.set_blocking(self._process.stdout.fileno(), True)
        reader = _TimedReader(self._process.stdout.fileno(), time.monotonic() + max(timeout, 0.0))
        try:
            body = wire.read_message(reader)
        except TimeoutError:
            body, self.broken = None, f"the submission's cells did not finish within {timeout:g} s"
        if body is None:
            self.broken = self.broken or "the submission's process ended while its cells ran (exit, or a crash)"
            self.close()
        else:
            self.failures = wire.unpack(body)["ready"]

    def session(self, call_timeout: float, deadline: float) -> "Session":
        """A fresh copy of the submission's state (a forked process) for one test."""
        self.wait_until_ready()
        if self.broken:
            return Session(None, self.broken, call_timeout, deadline)
        self._sessions += 1
        path = str(Path(self._folder.name) / f"session{self._sessions}.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(max(0.1, min(30.0, deadline - time.monotonic())))
        try:
            self._process.stdin.write(wire.pack({"session": path}))
            self._process.stdin.flush()
            connection, _ = listener.accept()
        except (OSError, TimeoutError):
            return Session(None, "the submission's process could not start a copy for this test", call_timeout, deadline)
        finally:
            listener.close()
        session = Session(connection, None, call_timeout, deadline)
        session.receive_pid()
        return session

    def close(self):
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._folder.cleanup()


class Session:
    """Calls into one forked copy of the submission, each within ``call_timeout`` and the deadline."""

    def __init__(self, connection, broken, call_timeout, deadline):
        self._connection, self._gone = connection, broken
        self.call_timeout, self.deadline = call_timeout, deadline
        self._channel = connection.makefile("rb", buffering=0) if connection else None
        self._pid = None

    def receive_pid(self):
        self._connection.settimeout(10.0)
        try:
            body = wire.read_message(self._channel)
            self._pid = int(wire.unpack(body)["pid"])
        except (OSError, TimeoutError, TypeError, KeyError, ValueError, wire.WireError):
            self._gone = "the copy of the submission's process for this test did not start"

    def function(self, name: str):
        """A callable that runs the submission's ``name`` in this session's process."""

        def call(*args, **kwargs):
            return self.call(name, *args, **kwargs)

        call.__name__ = name
        return call

    def call(self, name, *args, **kwargs):
        if self._gone:
            raise StudentCodeError(self._gone)
        timeout = min(self.call_timeout, self.deadline - time.monotonic())
        if timeout <= 0:
            self._stop(f"the test ran out of time before it could call {name}")
        self._connection.settimeout(timeout)
        try:
            self._connection.sendall(wire.pack({"call": name, "args": list(args), "kwargs": kwargs}))
            body = wire.read_message(self._channel)
        except TimeoutError:
            self._stop(f"{name} did not return within {timeout:.3g} s (an infinite loop, or far too slow)")
        except OSError as error:
            self._stop(f"the process running {name} ended before it returned ({error})")
        if body is None:
            self._stop(f"the process running {name} ended before it returned (did it call exit or crash?)")
        try:
            reply = wire.unpack(body, allow_functions=False)
        except wire.WireError as error:
            self._stop(f"the answer of {name} could not be read: {error}")
        if "error" in reply:
            raise StudentCodeError(f"{name} raised {reply['error']}: {reply['message']}")
        return reply["result"]

    def _stop(self, reason):
        self._gone = reason
        self.close()
        raise StudentCodeError(reason)

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)  # a copy stuck in a loop would never read the closed socket
            except ProcessLookupError:
                pass
            self._pid = None


class _TimedReader:
    """``read(n)`` on a file descriptor that raises TimeoutError after a deadline."""

    def __init__(self, fd, deadline):
        self.fd, self.deadline = fd, deadline

    def read(self, n):
        import select

        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
            raise TimeoutError
        return os.read(self.fd, n)
