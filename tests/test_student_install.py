"""A student's own machine: the wheel of dlcore that the book ships, installed as the students' page says.

The wheel is built as the book build builds it (``_ext/offline_book.py``), installed with the page's
command into a fresh virtual environment (``--no-index --no-deps`` added, so that it runs offline),
and used there. The labs' other packages come from this repository's ``.venv`` through a path file,
placed after the fresh environment's own site-packages, so that ``dlcore`` is the installed wheel's.
"""

import importlib.util
import re
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("offline_book", ROOT / "_ext" / "offline_book.py")
offline_book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(offline_book)

STUDENTS = ROOT / "guide" / "students.md"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return offline_book.build_dlcore_wheel(tmp_path_factory.mktemp("static"))


def metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode())


def test_the_wheel_holds_dlcore_and_its_chapters(wheel):
    assert wheel.name == offline_book.dlcore_wheel_name() == f"dlcore-{version('dlcore')}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    for module in ["dlcore/__init__.py", "dlcore/data.py", "dlcore/testing.py", "dlcore/chapters/__init__.py"]:
        assert module in names, f"{module} is not in the wheel"
    strays = [n for n in names if not n.startswith(("dlcore/", "dlcore-")) or "__pycache__" in n]
    assert not strays, f"the wheel holds more than dlcore: {strays}"


def test_the_labs_extra_names_what_the_labs_need_and_this_course_pins(wheel):
    meta = metadata(wheel)
    assert "labs" in meta.get_all("Provides-Extra")
    extra = [Requirement(r) for r in meta.get_all("Requires-Dist") if r.endswith('extra == "labs"')]
    assert {r.name for r in extra} >= {"jupyterlab", "nbgrader", "torch"}
    pinned = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                  if "==" in line and not line.startswith("#"))
    for requirement in extra:
        assert requirement.specifier.contains(pinned[requirement.name], prereleases=True), (
            f"the labs extra asks for {requirement}, requirements.txt pins {requirement.name}=={pinned[requirement.name]}")
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            pytest.fail(f"{requirement.name} of the labs extra is not installed in .venv")
        assert requirement.specifier.contains(installed.split("+")[0], prereleases=True)


def test_the_students_command_installs_a_working_dlcore_in_a_fresh_environment(wheel, tmp_path):
    venv = tmp_path / "student-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    python = venv / "bin" / "python"
    command = re.search(r'python -m pip install "(\./dlcore-[^"]+\[labs\])"', STUDENTS.read_text()).group(1)
    assert command == f"./{wheel.name}[labs]"
    result = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-deps",
                             "--disable-pip-version-check", command],
                            cwd=wheel.parent, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pip install {command} failed:\n{result.stdout}\n{result.stderr}"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_course_packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    use = """
import pathlib, sys
import dlcore
from dlcore import MLP
from dlcore.data import make_moons
from dlcore.testing import expect_close
import dlcore.chapters
X, t = make_moons(seed=0)
model = MLP([2, 16, 2], activation="tanh", output="softmax", loss="cross_entropy", seed=0)
model.fit(X, t, epochs=50, eta=0.1, batch_size=16, progress=False)
print(dlcore.__version__, pathlib.Path(dlcore.__file__).resolve(), model.score(X, t))
"""
    result = subprocess.run([str(python), "-c", use], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    found, where, score = result.stdout.split()
    assert found == version("dlcore")
    assert Path(where).is_relative_to(site.resolve()), f"dlcore came from {where}, not from the installed wheel"
    assert float(score) > 0.8


def test_the_students_page_and_readme_name_the_wheel_the_book_ships():
    page = STUDENTS.read_text()
    name = offline_book.dlcore_wheel_name()
    assert f'href="../_static/{name}"' in page
    assert set(offline_book.WHEEL_NAMED.findall(page)) == {name}
    assert set(offline_book.WHEEL_NAMED.findall((ROOT / "README.md").read_text())) == {name}


def test_the_built_book_serves_the_wheel_the_students_page_links(built_book):
    page = (built_book / "guide" / "students.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]*\.whl)"', page)
    assert links, "the students' page links no wheel"
    for link in links:
        target = (built_book / "guide" / link).resolve()
        assert target.is_file() and zipfile.is_zipfile(target), f"{link} does not resolve to a wheel in the built book"
