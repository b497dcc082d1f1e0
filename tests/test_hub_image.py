"""The Kubernetes sketch (hub/Dockerfile, hub/values.yaml): the files say what the instructors' guide says.

The values are valid YAML with every key the guide's section names, the exchange mounted where
nbgrader's configuration in the image looks for it; neither the Dockerfile nor its build context can
take in labs/source. Where a Docker daemon answers, the image is built and imports dlcore and nbgrader
(slow; skipped, with the reason, elsewhere). Nothing here deploys to a cluster.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "hub" / "Dockerfile"
VALUES = ROOT / "hub" / "values.yaml"
GUIDE = ROOT / "guide" / "instructors.md"
SECTION = "## A large class on Kubernetes (Zero to JupyterHub)"
EXCHANGE = "/srv/nbgrader/exchange"


def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def lookup(tree: dict, dotted: str):
    node = tree
    for part in dotted.split("."):
        assert isinstance(node, dict) and part in node, f"hub/values.yaml has no {dotted}"
        node = node[part]
    return node


def guide_keys() -> list[str]:
    """The chart keys that the guide's Kubernetes section names in its table."""
    text = GUIDE.read_text()
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", 1)]
    return sorted(set(re.findall(r"`((?:singleuser|hub|cull)\.[A-Za-z_.]+)`", section)))


def test_values_have_every_key_the_guide_names():
    keys = guide_keys()
    assert len(keys) >= 15, f"the guide's section names too few keys: {keys}"
    tree = values()
    for key in keys:
        lookup(tree, key)


def test_values_give_each_student_limits_storage_and_the_exchange():
    tree = values()
    for resource in ("cpu", "memory"):
        assert lookup(tree, f"singleuser.{resource}.guarantee") and lookup(tree, f"singleuser.{resource}.limit")
    assert lookup(tree, "singleuser.storage.capacity")
    mounts = lookup(tree, "singleuser.storage.extraVolumeMounts")
    exchange = [m for m in mounts if m["mountPath"] == EXCHANGE]
    assert exchange, f"no volume is mounted at {EXCHANGE}"
    volumes = {v["name"]: v for v in lookup(tree, "singleuser.storage.extraVolumes")}
    assert "persistentVolumeClaim" in volumes[exchange[0]["name"]]
    assert "instructor" in lookup(tree, "hub.config.Authenticator.admin_users")
    assert lookup(tree, "cull.enabled") is True
    compile(lookup(tree, "hub.extraConfig.instructor"), "hub.extraConfig.instructor", "exec")


def test_the_image_configures_the_course_and_never_takes_in_the_lab_sources():
    text = DOCKERFILE.read_text()
    copies = [line for line in text.splitlines() if re.match(r"\s*(COPY|ADD)\b", line)]
    assert copies
    for line in copies:
        assert "labs" not in line and " . " not in f"{line} ", f"the Dockerfile copies more than it needs: {line}"
    assert 'course_id = "dnn-course"' in text and f'Exchange.root = "{EXCHANGE}"' in text
    assert "download.pytorch.org/whl/cpu" in text
    ignore = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert ignore[0] == "*", ".dockerignore must leave everything out but what it names"
    assert not [line for line in ignore if line.startswith("!") and "labs" in line]


def docker_answers() -> str | None:
    """None where a Docker daemon answers, else why not."""
    if shutil.which("docker") is None:
        return "no docker command"
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "docker info did not answer within 60 s"
    if info.returncode != 0:
        return f"no Docker daemon answers: {(info.stderr or info.stdout).strip().splitlines()[-1]}"
    return None


@pytest.mark.slow
def test_the_image_builds_and_imports_dlcore_and_nbgrader():
    reason = docker_answers()
    if reason:
        pytest.skip(reason)
    tag = "dnn-course-singleuser:test"
    build = subprocess.run(["docker", "build", "-f", str(DOCKERFILE), "-t", tag, str(ROOT)],
                           capture_output=True, text=True, timeout=3600)
    assert build.returncode == 0, f"docker build failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    run = subprocess.run(["docker", "run", "--rm", tag, "python", "-c",
                          "import dlcore, nbgrader, os; print(dlcore.__version__, os.path.exists('/srv/nbgrader'))"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == [dlcore_version(), "True"]
    listing = subprocess.run(["docker", "run", "--rm", tag, "sh", "-c", "find / -path /proc -prune -o -name 'lab*_*.ipynb' -print"],
                             capture_output=True, text=True, timeout=600)
    assert listing.stdout.strip() == "", f"the image holds lab notebooks: {listing.stdout[:500]}"


def dlcore_version() -> str:
    import tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
