"""The book builds from the repository with Sphinx warnings as errors, offline-first."""

import re

import pytest

from lab_secrets import LABS, hidden_and_solution_lines
from notebook_equations import CHAPTERS

pytestmark = pytest.mark.slow


def test_book_builds_with_every_part(built_book):
    assert (built_book / "index.html").exists(), "the build did not produce _build/html/index.html"
    assert "Deep Neural Networks" in (built_book / "intro.html").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        assert (built_book / "chapters" / f"{chapter.stem}.html").exists(), f"{chapter.stem} is not in the book"
    assert "GEMM-only floor" in (built_book / "appendix" / "benchmarks.html").read_text(encoding="utf-8")
    assert "dlcore.backprop.backprop_deltas" in (built_book / "reference" / "api.html").read_text(encoding="utf-8")
    assert "Rosenblatt" in (built_book / "bibliography.html").read_text(encoding="utf-8")
    assert "What the autograder defends against" in (built_book / "guide" / "instructors.html").read_text(encoding="utf-8")
    assert "Handing in" in (built_book / "guide" / "students.html").read_text(encoding="utf-8")
    assert "seconds per notebook" in (built_book / "appendix" / "benchmarks.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lab", LABS)
def test_labs_appear_as_student_versions_without_solutions_or_hidden_tests(built_book, lab):
    page = built_book / "labs" / "release" / lab / f"{lab}.html"
    assert page.exists(), f"{lab} is not in the book's Labs part"
    text = page.read_text(encoding="utf-8")
    assert "YOUR CODE HERE" in text, "the book should show the student version"
    leaked = [line for line in hidden_and_solution_lines(lab) if line in text]
    assert not leaked, f"the book's page of {lab} shows solution or hidden-test lines: {leaked[:3]}"


def test_pages_load_nothing_from_the_network(built_book):
    external = re.compile(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//[^"]+"')
    offenders = {page.relative_to(built_book).as_posix(): external.findall(page.read_text(encoding="utf-8"))
                 for page in built_book.rglob("*.html")}
    offenders = {page: found for page, found in offenders.items() if found}
    assert not offenders, f"pages load scripts, styles or images from outside the book: {offenders}"


def test_mathjax_is_served_from_the_book(built_book):
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").exists()
    page = (built_book / "chapters" / f"{CHAPTERS[0].stem}.html").read_text(encoding="utf-8")
    assert 'src="../_static/mathjax/tex-chtml.js' in page


def test_chapters_offer_their_notebook_for_download(built_book):
    for chapter in CHAPTERS:
        assert (built_book / "_sources" / "chapters" / f"{chapter.stem}.ipynb").exists()
        assert f"{chapter.stem}.ipynb" in (built_book / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
