"""A rebuilt book shows what dlcore does now, and a rebuild with nothing changed redoes nothing.

The book is built as a reader of the course would build it, in a copy of its sources with the
repository's own ``_config.yml`` and ``_ext``, but with two chapters only, to keep it to minutes:
built once, built again unchanged, then built after a ``print`` is added to dlcore's
``use_course_style``, which every chapter calls. The chapter pages must show the printed line.
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
CHAPTERS = ["03_least_squares", "07_nonlinearities_costs"]
SOURCES = ["_config.yml", "intro.md", "bibliography.md", "references.bib", "favicon.png", "_ext", "dlcore",
           "pyproject.toml", "README.md"]  # the book ships dlcore's wheel, built from these
TOC = """format: jb-book
root: intro
chapters:
""" + "".join(f"  - file: chapters/{chapter}\n" for chapter in CHAPTERS) + "  - file: bibliography\n"
MARKER = "dlcore changed: the rebuilt book shows it"
EXECUTED = "Executed notebook in"


@dataclass
class Build:
    """One ``jupyter-book build`` of the copy: its log and each chapter page's text and modification time."""

    log: str
    pages: dict[str, str]
    mtimes: dict[str, int]


def copy_book(target: Path) -> None:
    """The book's sources with a table of contents of two chapters, and no build or cache."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    (target / "chapters").mkdir()
    for chapter in CHAPTERS:
        shutil.copy2(ROOT / "chapters" / f"{chapter}.ipynb", target / "chapters")
    (target / "_toc.yml").write_text(TOC)


def build(book: Path) -> Build:
    """Build ``book`` with warnings as errors; its kernels import the copy's dlcore, not the installed one."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(book), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([str(JUPYTER_BOOK), "build", str(book), "-W", "--keep-going"],
                            capture_output=True, text=True, env=env, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"jupyter-book build failed:\n{log[-4000:]}"
    html = book / "_build" / "html" / "chapters"
    pages = {chapter: html / f"{chapter}.html" for chapter in CHAPTERS}
    return Build(log, {chapter: page.read_text(encoding="utf-8") for chapter, page in pages.items()},
                 {chapter: page.stat().st_mtime_ns for chapter, page in pages.items()})


def add_print_to_use_course_style(book: Path) -> None:
    plotting = book / "dlcore" / "plotting.py"
    body = '    plt.rcParams.update(_COURSE_STYLE)\n'
    text = plotting.read_text()
    assert body in text, "use_course_style changed: update this test's edit of it"
    plotting.write_text(text.replace(body, body + f'    print("{MARKER}")\n', 1))


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The copy built first, again with nothing changed, and again after dlcore changed."""
    book = tmp_path_factory.mktemp("fresh_book")
    copy_book(book)
    first = build(book)
    time.sleep(1)  # so that a page written again would get a later modification time
    unchanged = build(book)
    add_print_to_use_course_style(book)
    changed = build(book)
    return first, unchanged, changed


def test_first_build_executes_every_chapter_with_the_copys_dlcore(builds):
    first, _, _ = builds
    assert first.log.count(EXECUTED) == len(CHAPTERS), f"expected {len(CHAPTERS)} executions:\n{first.log[-3000:]}"
    for chapter, page in first.pages.items():
        assert MARKER not in page, f"{chapter} shows the marker before dlcore was changed"


def test_rebuild_with_nothing_changed_executes_nothing_and_keeps_the_pages(builds):
    first, unchanged, _ = builds
    assert EXECUTED not in unchanged.log, f"an unchanged book ran a notebook again:\n{unchanged.log[-3000:]}"
    assert unchanged.mtimes == first.mtimes, "an unchanged book wrote its chapter pages again"


def test_changing_dlcore_executes_and_renders_every_chapter_again(builds):
    _, unchanged, changed = builds
    assert changed.log.count(EXECUTED) == len(CHAPTERS), (
        f"a change to dlcore must run every chapter again:\n{changed.log[-3000:]}")
    stale = [chapter for chapter, page in changed.pages.items() if MARKER not in page]
    assert not stale, f"after dlcore changed, these chapter pages still show the old outputs: {stale}"
    assert all(changed.mtimes[chapter] > unchanged.mtimes[chapter] for chapter in CHAPTERS)


@pytest.fixture
def course(tmp_path):
    """The Makefile and the labs' sources in a copy, set up, with every lab's student version newer than its source."""
    for name in ["Makefile", "requirements.txt", "pyproject.toml", "labs/nbgrader_config.py", "labs/source"]:
        source, target = ROOT / name, tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.parent.mkdir()
    stamp.touch()
    labs = sorted(path.name for path in (tmp_path / "labs" / "source").iterdir())
    for lab in labs:
        released = tmp_path / "labs" / "release" / lab / f"{lab}.ipynb"
        released.parent.mkdir(parents=True)
        released.touch()
    later = time.time() + 10
    os.utime(stamp, (later, later))
    for lab in labs:
        os.utime(tmp_path / "labs" / "release" / lab / f"{lab}.ipynb", (later, later))
    return tmp_path, labs


def book_dry_run(course_dir: Path) -> str:
    result = subprocess.run(["make", "-n", "book"], cwd=course_dir, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_book_releases_the_labs_only_when_their_source_is_newer(course):
    course_dir, labs = course
    commands = book_dry_run(course_dir)
    assert "generate_assignment" not in commands, f"make book releases unchanged labs again:\n{commands}"
    assert "jupyter-book build" in commands
    edited = course_dir / "labs" / "source" / labs[0] / f"{labs[0]}.ipynb"
    later = time.time() + 20
    os.utime(edited, (later, later))
    releases = [line for line in book_dry_run(course_dir).splitlines() if "generate_assignment" in line]
    assert len(releases) == 1 and f"generate_assignment {labs[0]} " in releases[0], (
        f"an edited source must release that lab, and only it: {releases}")
