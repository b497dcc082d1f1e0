"""The judge's side of the sandbox: the submission's process, sessions with it, and proxies."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import isolation, wire

LABS = Path(__file__).resolve().parents[1]


class StudentCodeError(AssertionError):
    """The submission's function raised, hung, crashed its process, or returned what cannot be graded."""


class Submission:
    """The submission's cells, run once in a fresh sandboxed process; ``session()`` forks a copy for one test.

    ``spec`` is ``{"cells": [{"source", "run"}], "cell_timeout": s, "warnings_as_errors": bool}`` (see
    :mod:`autograder.sandbox`); ``ready_by`` the absolute deadline for its cells; ``limits`` a
    ``preexec_fn`` from :func:`autograder.isolation.limits`.
    """

    def __init__(self, spec, blocked, ready_by: float, limits, sandboxed: bool = True):
        self._folder = tempfile.TemporaryDirectory()
        folder = Path(self._folder.name)
        self._channel, theirs = socket.socketpair()
        argv = ["-m", "autograder.sandbox", str(theirs.fileno())]
        self.broken = None  # why no session can be started
        self._ready_by, self._ready = ready_by, False
        self._process = self.zygote = self._zygote_fd = None
        try:
            if sandboxed:
                info_read, info_write = os.pipe()
                command = isolation.sandbox_command(blocked, folder, info_write, argv)
                self._process = subprocess.Popen(command, pass_fds=(theirs.fileno(), info_write), preexec_fn=limits,
                                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL)
                os.close(info_write)
                self.zygote = self._zygote_pid(info_read, ready_by)
                self._hold_zygote(parent=self._process.pid)
            else:  # --unsandboxed: the same process and limits, without the namespaces
                env = dict(isolation.environment(), PYTHONPATH=os.pathsep.join([str(LABS), *sys.path[1:]]))
                self._process = subprocess.Popen([sys.executable, *argv], pass_fds=(theirs.fileno(),), env=env,
                                                 cwd=folder, preexec_fn=limits, stdin=subprocess.DEVNULL,
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self.zygote = self._process.pid
                self._hold_zygote(parent=os.getpid())
        finally:
            theirs.close()
        self._channel = wire.Channel(self._channel)
        try:
            self._channel.send(wire.pack(spec), ready_by)
        except (OSError, TimeoutError):
            pass  # reported when the judge waits for the cells

    @staticmethod
    def _zygote_pid(fd, deadline) -> int | None:
        """The sandbox's first process, as bubblewrap (not the submission) reports it on its info pipe."""
        text = b""
        try:
            while len(text) < 4096 and select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                chunk = os.read(fd, 4096)
                text += chunk
                try:
                    return int(json.loads(text)["child-pid"])
                except (ValueError, KeyError, TypeError):
                    if not chunk:
                        return None
        finally:
            os.close(fd)
        return None

    def _hold_zygote(self, parent: int):
        """A pidfd for the sandbox's first process, checked to be the child of ``parent`` (bubblewrap, or this
        process): every later signal goes through it, so none can reach another process that was given
        the same PID after the sandbox ended (PIDs are reused when they wrap around)."""
        if self.zygote is None:
            return
        try:
            self._zygote_fd = os.pidfd_open(self.zygote)
            with open(f"/proc/{self.zygote}/stat") as handle:
                ours = int(handle.read().rsplit(")", 1)[1].split()[1]) == parent
        except (OSError, ValueError, IndexError):
            ours = False
        if not ours:
            self.zygote = None

    def _zygote_alive(self) -> bool:
        """The first process still exists (a zombie included), so its PID still names it and its descendants."""
        if self._zygote_fd is None:
            return False
        try:
            signal.pidfd_send_signal(self._zygote_fd, 0)
        except ProcessLookupError:
            return False
        return True

    def wait_until_ready(self):
        """Block until the submission's cells have run (the judge can prepare meanwhile)."""
        if self._ready:
            return
        self._ready = True
        try:
            body = self._channel.receive(self._ready_by) if self.zygote else None
        except TimeoutError:
            body, self.broken = None, "the submission's cells did not finish within their time limit"
        except (OSError, wire.WireError):
            body = None
        if body is None:
            self.broken = self.broken or "the submission's process ended while its cells ran (exit, or a crash)"
            self.close()

    def session(self, call_timeout: float, deadline: float) -> "Session":
        """A fresh copy of the submission's state (a forked process) for one test."""
        self.wait_until_ready()
        if self.broken:
            return Session(None, self.broken, call_timeout, deadline, self)
        mine, theirs = socket.socketpair()
        try:
            self._channel.socket.setblocking(True)
            self._channel.socket.settimeout(max(0.01, deadline - time.monotonic()))
            socket.send_fds(self._channel.socket, [b"s"], [theirs.fileno()])
            self._channel.socket.setblocking(False)
        except (OSError, TimeoutError):
            mine.close()
            return Session(None, "the submission's process could not start a copy for this test", call_timeout,
                           deadline, self)
        finally:
            theirs.close()
        return Session(wire.Channel(mine), None, call_timeout, deadline, self)

    def end_session(self):
        """Every process the submission started since its cells ran is killed (the first process stays)."""
        if self._zygote_alive():
            isolation.kill_descendants(self.zygote)

    def close(self):
        if self._zygote_alive():
            isolation.kill_descendants(self.zygote)
            try:  # the first process of its PID namespace: all of it ends
                signal.pidfd_send_signal(self._zygote_fd, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._zygote_fd is not None:
            os.close(self._zygote_fd)
        self.zygote = self._zygote_fd = None
        if self._process is not None:
            try:  # bubblewrap reaps the sandbox's first process, then exits
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._channel.close()
        self._folder.cleanup()


class Session:
    """Calls into one forked copy of the submission, each within ``call_timeout`` and the test's deadline."""

    def __init__(self, channel, broken, call_timeout, deadline, submission):
        self._channel, self._gone, self._submission = channel, broken, submission
        self.call_timeout, self.deadline = call_timeout, deadline

    def function(self, name: str):
        """A callable that runs the submission's ``name`` in this session's process."""

        def call(*args, **kwargs):
            return self.call(name, *args, **kwargs)

        call.__name__ = name
        return call

    def call(self, name, *args, **kwargs):
        if self._gone:
            raise StudentCodeError(self._gone)
        limit = min(self.call_timeout, self.deadline - time.monotonic())
        if limit <= 0:
            self._stop(f"the test ran out of time before it could call {name}")
        deadline = time.monotonic() + limit
        try:
            self._channel.send(wire.pack({"call": name, "args": list(args), "kwargs": kwargs}), deadline)
            body = self._channel.receive(deadline)
        except TimeoutError:
            self._stop(f"{name} did not return within {limit:.3g} s (an infinite loop, or far too slow)")
        except wire.WireError as error:
            self._stop(f"the answer of {name} could not be read: {error}")
        except OSError as error:
            self._stop(f"the process running {name} ended before it returned ({error})")
        if body is None:
            self._stop(f"the process running {name} ended before it returned (did it call exit or crash?)")
        try:
            reply = wire.unpack(body, allow_functions=False)
        except wire.WireError as error:
            self._stop(f"the answer of {name} could not be read: {error}")
        if not isinstance(reply, dict) or not ({"result"} <= set(reply) or {"error", "message"} <= set(reply)):
            self._stop(f"the answer of {name} could not be read")
        if "error" in reply:
            raise StudentCodeError(f"{name} raised {str(reply['error'])[:100]}: {str(reply['message'])[:1000]}")
        return reply["result"]

    def _stop(self, reason):
        self._gone = reason
        self.close()
        raise StudentCodeError(reason)

    def close(self):
        if self._channel is not None:
            self._channel.close()
            self._channel = None
            self._submission.end_session()
