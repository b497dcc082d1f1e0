"""Every chapter runs from a clean kernel, once per test session: the book build's execution is the run.

The book is built with ``execute_notebooks: cache`` and ``allow_errors: false``, so a failing cell
already fails the build. These tests read the executed notebooks back from the build's execution
cache and check, chapter by chapter, that every code cell ran and none left an error, and that every
labelled equation's check cell (tagged ``check-eq-<label>``) ran cleanly. The run time of each
chapter and the count of labelled equations with a passing check are reported at the end.
"""

from pathlib import Path

import pytest

from notebook_equations import CHAPTERS, checked_labels, equation_labels, read

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executed(built_book):
    """``{chapter stem: (executed notebook, seconds)}`` from the build's jupyter-cache."""
    from jupyter_cache import get_cache

    cache = get_cache(built_book.parent / ".jupyter_cache")
    return {Path(record.uri).stem: (cache.get_cache_bundle(record.pk).nb, record.data.get("execution_seconds"))
            for record in cache.list_cache_records()}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_cell_of_the_chapter_ran_without_an_error(executed, chapter, request):
    assert chapter.stem in executed, f"{chapter.name} was not executed by the book build"
    notebook, seconds = executed[chapter.stem]
    code = [c for c in notebook.cells if c.cell_type == "code"]
    not_run = [i for i, c in enumerate(code) if c.execution_count is None]
    errors = [(i, o.get("ename")) for i, c in enumerate(code) for o in c.outputs if o.output_type == "error"]
    assert not not_run, f"{chapter.name}: code cells {not_run} did not run"
    assert not errors, f"{chapter.name}: code cells raised {errors}"
    labels = equation_labels(read(chapter))
    passing = {label for c in code for label in checked_labels(c)}
    request.config.chapter_runs[chapter.stem] = {"seconds": seconds, "labels": labels,
                                                 "passing": [label for label in labels if label in passing]}
    assert set(labels) <= passing, f"{chapter.name}: equations without a check that ran: {sorted(set(labels) - passing)}"
