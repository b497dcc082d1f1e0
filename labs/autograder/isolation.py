"""The operating system's side of the sandbox: what a submission's process can see, use and outlive.

``sandbox_command`` builds the bubblewrap command line that starts :mod:`autograder.sandbox` in new
PID, network, IPC, UTS, mount and cgroup namespaces, as an unprivileged user of its own (``sandbox_uid``), with a
file system of its own: read-only system libraries, the interpreter and its packages, the part of
``dlcore`` a lab allows, a private ``/tmp`` of ``TMP_BYTES``, and nothing of the course, the gradebook
or the judge. A blocked module is absent: its files are hidden under an empty directory holding
only a stub that raises ImportError. ``limits`` caps memory, processes, CPU time, file size and open
files before bubblewrap starts; ``kill_descendants`` ends every process a submission started, found
through ``/proc`` (never a PID the submission reports).
"""

from __future__ import annotations

import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

SANDBOX_UID = 65534  # nobody: the sandbox's user as it sees itself when graded by an ordinary user
# Graded as root, each sandbox runs as a user of its own, UID_BASE + its judge's PID (unique among the judges
# alive, and a sandbox never outlives its judge): the process cap counts per user, so submissions graded at
# the same time never share it. No account on the machine has a uid in this range.
UID_BASE = 2_000_000_000
TMP_BYTES = 64 * 2**20
FILE_BYTES = 64 * 2**20
OPEN_FILES = 256
SITE, LIB, GRADER = "/sandbox/site-packages", "/sandbox/lib", "/sandbox/grader"
GRADER_FILES = ("__init__.py", "sandbox.py", "wire.py")
HERE = Path(__file__).resolve().parent

HOW_TO_FIX = ("Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow user namespaces "
              "(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also "
              "kernel.apparmor_restrict_unprivileged_userns=0), or grade as root; on macOS or Windows, "
              "grade in a Linux container or VM. To grade without the sandbox anyway, pass "
              "--IsolatedExecute.unsandboxed=True (make autograde UNSANDBOXED=1).")


def environment() -> dict:
    """The sandbox's whole environment."""
    return {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONPATH": f"{LIB}:{SITE}:{GRADER}",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": "/tmp/matplotlib", "NBGRADER_EXECUTION": "autograde",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def _dlcore() -> Path | None:
    spec = importlib.util.find_spec("dlcore")
    return Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None


def _module_files(name: str, site: Path, dlcore: Path | None) -> list[tuple[Path, str]]:
    """The files or package folders of module ``name`` that the sandbox would see: (host path, sandbox path)."""
    parts = name.split(".")
    places = [(site.joinpath(*parts), "/".join([SITE, *parts]))]
    if dlcore and parts[0] == "dlcore":
        places.append((dlcore.joinpath(*parts[1:]), "/".join([LIB, *parts])))
    found = []
    for host, inside in places:
        if host.is_dir():
            found.append((host, inside))
        found += [(p, f"{inside}{p.name[len(host.name):]}") for p in host.parent.glob(host.name + ".*")
                  if p.suffix in (".py", ".so", ".pyc")]
    return found


def sandbox_command(blocked, folder: Path, info_fd: int, argv: list[str]) -> list[str]:
    """bubblewrap's command line that runs ``argv`` (a Python command) in the sandbox.

    ``folder`` is a private folder of the judge's (outside the course) for the stubs of blocked modules.
    """
    site, dlcore = _site_packages(), _dlcore()
    command = ["bwrap", "--die-with-parent", "--new-session", "--as-pid-1", "--unshare-pid", "--unshare-net",
               "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--clearenv"]
    root = os.geteuid() == 0
    if not root:  # an unprivileged user gets the namespaces through a user namespace, mapped to SANDBOX_UID
        command += ["--unshare-user", "--disable-userns", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    for key, value in environment().items():
        command += ["--setenv", key, value]
    command += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
    for name in ("/etc/ld.so.cache", "/etc/localtime"):
        command += ["--ro-bind-try", name, name]
    prefix = Path(sys.base_prefix).resolve()
    if not str(prefix).startswith("/usr/"):  # folders bubblewrap creates on the way are private unless made with --dir
        command += [arg for parent in reversed(prefix.parents[:-1]) for arg in ("--dir", str(parent))]
        command += ["--ro-bind", str(prefix), str(prefix)]
    base_site = Path(sysconfig.get_paths(vars={"base": str(prefix), "platbase": str(prefix)})["purelib"])
    if base_site.is_dir() and base_site.resolve() != site.resolve():
        command += ["--tmpfs", str(base_site), "--remount-ro", str(base_site)]  # only the environment's packages
    command += ["--dir", "/sandbox", "--ro-bind", str(site), SITE, "--dir", LIB, "--dir", GRADER]
    if dlcore:
        command += ["--ro-bind", str(dlcore), f"{LIB}/dlcore"]
        for cache in [dlcore, *dlcore.rglob("*")]:
            if cache.name == "__pycache__" and cache.is_dir():  # compiled copies of blocked modules
                hidden = f"{LIB}/dlcore/{cache.relative_to(dlcore)}"
                command += ["--tmpfs", hidden, "--remount-ro", hidden]
    command += ["--dir", f"{GRADER}/autograder"]
    for name in GRADER_FILES:
        command += ["--ro-bind", str(HERE / name), f"{GRADER}/autograder/{name}"]
    for index, name in enumerate(sorted(set(blocked))):
        stub = folder / f"blocked{index}.py"
        stub.write_text(f"raise ImportError({name + ' is not available in this lab: implement it yourself'!r})\n")
        stub.chmod(0o644)
        for path, target in _module_files(name, site, dlcore):
            if path.is_dir():
                command += ["--tmpfs", target, "--ro-bind", str(stub), f"{target}/__init__.py", "--remount-ro", target]
            else:
                command += ["--ro-bind", str(stub), target]
    command += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--size", str(TMP_BYTES),
                "--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--dir", "/tmp/matplotlib"]
    if fonts := _font_cache():  # matplotlib's font list, which it would otherwise rebuild in every sandbox
        command += ["--ro-bind", str(fonts), f"/tmp/matplotlib/{fonts.name}"]
    command += ["--chdir", "/tmp", "--info-fd", str(info_fd), "--"]
    if root:  # bubblewrap runs as root: the sandbox drops to a user of its own with no capabilities left
        uid = sandbox_uid()
        command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--pdeathsig=SIGKILL", "--"]
    return command + [str(Path(sys.executable).resolve()), "-s", *argv]


def sandbox_uid() -> int:
    """The user a sandbox started by this process runs as, when graded as root."""
    return UID_BASE + os.getpid()


def _font_cache() -> Path | None:
    """The grading user's matplotlib font list (paths in it are relative to matplotlib's own data)."""
    folders = [os.environ.get("MPLCONFIGDIR"), os.path.join(os.environ.get("XDG_CACHE_HOME") or
                                                            os.path.expanduser("~/.cache"), "matplotlib")]
    found = [p for folder in folders if folder for p in Path(folder).glob("fontlist-v*.json")]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def limits(memory_bytes: int, processes: int, cpu_seconds: int):
    """A ``preexec_fn`` that sets the sandbox's resource limits (inherited through bubblewrap)."""
    # without root, RLIMIT_NPROC counts every process of the grading user: allow what already runs, plus the cap
    nproc = processes if os.geteuid() == 0 else processes + _processes_of(os.getuid())

    def apply():
        os.setsid()
        for limit, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_NPROC, nproc),
                             (resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_FSIZE, FILE_BYTES),
                             (resource.RLIMIT_NOFILE, OPEN_FILES), (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(limit, (value, value))
    return apply


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        try:
            count += entry.name.isdigit() and entry.stat().st_uid == uid
        except OSError:
            pass
    return count


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] not in ("Z", "X"):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """The living processes below ``pid`` in the process tree.

    Orphans of a PID namespace are adopted by its first process, so none escapes from below it.
    """
    children, found, queue = _children(), [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def kill_descendants(pid: int) -> None:
    """SIGKILL every process below ``pid``, again until none is left (a process may fork while we look)."""
    for _ in range(1000):
        found = descendants(pid)
        if not found:
            return
        for child in found:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass


_PROBLEM: list = []


def problem() -> str | None:
    """Why the sandbox cannot be set up on this machine, or None; checked once per process."""
    if not _PROBLEM:
        _PROBLEM.append(_probe())
    return _PROBLEM[0]


def _probe() -> str | None:
    if sys.platform != "linux":
        return f"the sandbox needs Linux; this is {sys.platform}. {HOW_TO_FIX}"
    if shutil.which("bwrap") is None:
        return f"bubblewrap (bwrap) is not installed. {HOW_TO_FIX}"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return f"setpriv (util-linux) is not installed. {HOW_TO_FIX}"
    with tempfile.TemporaryDirectory() as folder:
        read, write = os.pipe()
        command = sandbox_command([], Path(folder), write, ["-c", "pass"])
        try:
            result = subprocess.run(command, pass_fds=(write,), capture_output=True, text=True, timeout=60,
                                    preexec_fn=limits(2**31, 8, 60))
        except (OSError, subprocess.TimeoutExpired) as error:
            result = None
            detail = str(error)
        finally:
            os.close(read)
            os.close(write)
        if result is not None and result.returncode == 0:
            return None
        detail = result.stderr.strip()[-500:] if result is not None else detail
    return f"the sandbox could not be started ({detail}). {HOW_TO_FIX}"
