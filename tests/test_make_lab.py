"""`make lab` as a student or instructor starts it: as root too, on 127.0.0.1, options passed through, and
its terminals finding `nbgrader` without activating anything."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from test_labs import ROOT

sys.path.insert(0, str(ROOT / "labs"))

from autograder.isolation import descendants  # noqa: E402

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_pid(make: subprocess.Popen) -> int:
    """The JupyterLab server started under ``make``."""
    for _ in range(600):
        servers = []
        for pid in descendants(make.pid):  # make's shell, then the server it runs: the deepest is the server
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(str(ROOT / ".venv").encode()):
                    servers.append(pid)
            except OSError:
                pass
        if servers:
            return servers[-1]
        assert make.poll() is None, make.stdout.read()
        time.sleep(0.1)
    raise AssertionError("make lab started no JupyterLab")


def listening_addresses(port: int) -> list[str]:
    """The local addresses (hex, as /proc/net shows them) of sockets listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_make_lab_serves_on_localhost_with_the_arguments_given_and_nbgrader_on_the_path():
    port, token = free_port(), "test-token"
    make = subprocess.Popen(["make", "-s", "lab", f"ARGS=--no-browser --port={port} --IdentityProvider.token={token}"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        pid = server_pid(make)
        status = None
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as reply:
                    status = json.load(reply)
                    break
            except OSError:
                assert make.poll() is None, make.stdout.read()
                time.sleep(0.1)
        assert status is not None, "JupyterLab did not answer on 127.0.0.1 with the port and token passed in ARGS"
        assert listening_addresses(port) == ["0100007F"], "it must listen on 127.0.0.1 only"
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        path = next(entry for entry in environment if entry.startswith(b"PATH=")).decode()[5:]
        found = subprocess.run(["which", "nbgrader"], env={"PATH": path}, capture_output=True, text=True)
        assert found.stdout.strip() == str(ROOT / ".venv" / "bin" / "nbgrader"), \
            "a terminal of JupyterLab must find the course's nbgrader"
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=30)
