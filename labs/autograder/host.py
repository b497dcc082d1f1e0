"""A warm judge: one long-lived process that imports what the tests need once, and forks a judge per notebook.

``JudgeHost`` (the caller's side) starts ``python -m autograder.host`` and sends it one request per
notebook (see :mod:`autograder.judge` for the request). The host imports the modules the request's
tests import (torch, scikit-learn, ``dlcore.testing``: seconds, paid once per host), then forks a
fresh judge for the notebook, so that every notebook starts from the same clean state whatever was
graded before it, and reads the judge's verdicts from a pipe within the notebook's time limit. The
submission itself still runs in a sandbox of its own (started by the forked judge), as without a host.

Messages in both directions are length-prefixed JSON. A notebook's limit (see ``judge_seconds``) runs
from the moment its request arrives, imports included; the caller counts a host that has not answered
within twice the limit as hung. The host runs no student code, and ends when its caller does (it
watches its request pipe, so that a killed worker leaves no judge behind).
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LABS = Path(__file__).resolve().parents[1]
PR_SET_PDEATHSIG = 1


class HostDied(RuntimeError):
    """The judge host ended or stopped answering before it returned a notebook's verdicts."""


def write_message(stream, message: dict) -> None:
    body = json.dumps(message).encode()
    stream.write(struct.pack("<Q", len(body)) + body)
    stream.flush()


def read_message(stream) -> dict | None:
    """The next message, or None at the end of the stream."""
    prefix = stream.read(8)
    if len(prefix) < 8:
        return None
    body = stream.read(struct.unpack("<Q", prefix)[0])
    return json.loads(body)


def missing_verdict(reason: str) -> dict:
    return {"passed": False, "message": f"FAILED: this test could not be run on the submission ({reason})"}


class JudgeHost:
    """The caller's handle on one judge host process, started on first use and again after it died."""

    def __init__(self):
        self._process = None

    def judge(self, request: dict, limit: float) -> dict:
        """``{"verdicts": [one per test], "log": str}`` for one notebook; raises HostDied if the host died."""
        if self._process is None or self._process.poll() is not None:
            self._start()
        try:
            write_message(self._process.stdin, {"request": request, "limit": limit})
            reply = self._read_reply(2 * limit)  # the host answers within the limit unless it hangs
        except (OSError, ValueError) as error:
            reply = None
            detail = str(error)
        else:
            detail = "it ended or stopped answering"
        if reply is None:
            self.close()
            raise HostDied(f"the judge host died while it graded a notebook ({detail})")
        return reply

    def _start(self):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(LABS), os.environ.get("PYTHONPATH", "")]),
                   MPLBACKEND="Agg")
        self._process = subprocess.Popen([sys.executable, "-m", "autograder.host"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                         cwd=tempfile.gettempdir(), start_new_session=True)

    def _read_reply(self, seconds: float) -> dict | None:
        stdout = self._process.stdout
        if not select.select([stdout], [], [], seconds)[0]:
            return None
        return read_message(stdout)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def close(self):
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                stream.close()


# --- the host process ---

def _die_with_parent():
    """In a forked judge: be killed when the host ends (the host is single-threaded, so its death is the parent's)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def judge_in_child(request: dict, deadline: float, caller: int) -> dict:
    """Fork a judge for one notebook; its verdicts, read until the ``deadline`` or until it ended."""
    from autograder import judge

    read, write = os.pipe()
    with tempfile.TemporaryFile() as log:
        pid = os.fork()
        if pid == 0:  # the judge: its output goes to the log, it never touches the host's pipes
            try:
                _die_with_parent()
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                _close_all_but(write)
                judge.run(request, write)
            finally:
                os._exit(0)
        os.close(write)
        lines = _read_lines(read, len(request["tests"]), deadline, caller)
        _end(pid, deadline if len(lines) == len(request["tests"]) else 0.0)
        log.seek(0)
        text = log.read()[-2000:].decode(errors="replace")
    verdicts = [json.loads(line) for line in lines]
    reason = "the judge ran out of time or ended early"
    return {"verdicts": verdicts + [missing_verdict(reason)] * (len(request["tests"]) - len(verdicts)),
            "log": text if len(verdicts) < len(request["tests"]) else ""}


def _close_all_but(keep: int) -> None:
    for name in os.listdir("/proc/self/fd"):
        if int(name) > 2 and int(name) != keep:
            try:
                os.close(int(name))
            except OSError:
                pass


def _end(pid: int, deadline: float) -> None:
    """Let the judge close its sandbox until the ``deadline`` (0: not at all), then kill it."""
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _read_lines(fd: int, n: int, deadline: float, caller: int) -> list[bytes]:
    """Up to ``n`` lines from ``fd`` before ``deadline``; stop at once if the caller's pipe closes."""
    data = b""
    try:
        while data.count(b"\n") < n:
            ready = select.select([fd, caller], [], [], max(0.0, deadline - time.monotonic()))[0]
            if not ready:
                break
            if caller in ready:  # the caller never writes while it waits: this is its end
                os._exit(1)
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    return data.splitlines()[:n]


def serve() -> None:
    """Answer requests on stdin until it closes; nothing but replies is ever written to the reply pipe."""
    from autograder import isolation, judge

    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)  # an imported module that prints cannot corrupt the replies
    while (message := read_message(requests)) is not None:
        request, deadline = message["request"], time.monotonic() + message["limit"]
        if request["sandboxed"] and (problem := isolation.problem()):
            reply = {"unavailable": problem}
        else:
            judge.warm_imports(request["tests"])  # the first notebook of a host pays for them, within its limit
            reply = judge_in_child(request, deadline, requests.fileno())
        write_message(replies, reply)


if __name__ == "__main__":
    serve()
