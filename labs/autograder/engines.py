"""Where notebooks are judged: warm judge hosts on this machine, or the workers of a Dask cluster.

``IsolatedExecute`` calls :func:`judge` for each notebook. The engine in use is set by the grading run
(:mod:`autograder.grading`); a plain ``nbgrader autograde`` gets one local judge host, kept warm for
the whole run. Only verdicts come back from an engine: the gradebook and the autograded files are
written by the grading run, on the instructor's machine.

A grading run holds the *bookkeeping lock* while nbgrader reads and writes the gradebook and the
files, and gives it up while a notebook is judged, so that nbgrader's own code runs one submission at
a time (its gradebook sees one writer) while the judging runs in parallel.
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from pathlib import Path

from autograder.host import HostDied, JudgeHost

RETRIES = 2  # a notebook whose judge host died is judged again, on a fresh host, this many times


class GradingUnavailable(RuntimeError):
    """No verdicts could be had for a notebook (no sandbox, or its workers kept dying): it stays ungraded."""


class LocalEngine:
    """``jobs`` warm judge hosts on this machine; a notebook takes whichever is free."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._hosts = [JudgeHost() for _ in range(jobs)]
        self._free = list(self._hosts)
        self._available = threading.Condition()
        self.stopping = False

    def judge(self, request: dict, limit: float) -> dict:
        if self.stopping:
            raise GradingUnavailable("the grading run was stopped")
        host = self._take()
        try:
            for attempt in range(RETRIES + 1):
                try:
                    return host.judge(request, limit)
                except HostDied as died:
                    if self.stopping or attempt == RETRIES:
                        raise GradingUnavailable(str(died)) from died
        finally:
            self._give_back(host)

    def _take(self) -> JudgeHost:
        with self._available:
            self._available.wait_for(lambda: self._free)
            return self._free.pop()

    def _give_back(self, host: JudgeHost):
        with self._available:
            self._free.append(host)
            self._available.notify()

    def close(self):
        self.stopping = True
        for host in self._hosts:
            host.close()


class DaskEngine:
    """The workers of a Dask cluster: each worker thread keeps its own warm judge host.

    Dask runs a notebook again elsewhere when its worker dies (and up to ``RETRIES`` times when its
    host does); a worker must run the same autograder code as this process (checked on each notebook).
    """

    def __init__(self, client, cluster=None):
        self.client, self._cluster = client, cluster
        self.jobs = max(1, sum(client.nthreads().values()))  # the workers' threads when the run starts

    def judge(self, request: dict, limit: float) -> dict:
        future = self.client.submit(judge_on_worker, request, limit, code_version(), pure=False, retries=RETRIES)
        try:
            return future.result()
        except Exception as error:  # noqa: BLE001 - workers kept dying, or the scheduler is gone: stays ungraded
            raise GradingUnavailable(f"the Dask cluster could not judge this notebook: {error!r}") from error

    def close(self):
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def code_version() -> str:
    """A hash of the autograder's own source files."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


_WORKER_HOSTS = threading.local()


def judge_on_worker(request: dict, limit: float, version: str) -> dict:
    """Runs on a Dask worker: judge one notebook on this worker thread's warm host."""
    if version != code_version():
        raise GradingUnavailable(f"this worker's autograder ({code_version()}) is not the grading run's ({version}): "
                                 "start the workers from the same version of the course")
    if not hasattr(_WORKER_HOSTS, "host"):
        _WORKER_HOSTS.host = JudgeHost()
    return _WORKER_HOSTS.host.judge(request, limit)


# --- the engine in use, and the bookkeeping lock ---

_ENGINE: list = []
_LOCK = threading.Lock()
_HOLDER = threading.local()


def use(engine) -> None:
    """Judge every notebook of this process on ``engine`` from now on."""
    _ENGINE[:] = [engine]


def current():
    if not _ENGINE:
        _ENGINE.append(LocalEngine(1))
    return _ENGINE[0]


@contextmanager
def bookkeeping():
    """Hold the bookkeeping lock: nbgrader's reads and writes of one submission, one at a time."""
    with _LOCK:
        _HOLDER.held = True
        try:
            yield
        finally:
            _HOLDER.held = False


def judge(request: dict, limit: float) -> dict:
    """Verdicts for one notebook from the current engine; the bookkeeping lock is free meanwhile."""
    held = getattr(_HOLDER, "held", False)
    if held:
        _LOCK.release()
    try:
        reply = current().judge(request, limit)
    finally:
        if held:
            _LOCK.acquire()
    if "unavailable" in reply:
        raise GradingUnavailable(reply["unavailable"])
    return reply
