"""Chapter notebooks: committed clean, and every labelled equation has a check cell."""

import pytest

from notebook_equations import CHAPTERS, checked_labels, equation_labels, read

EXPECTED_CHAPTERS = ["01_logistic_regression", "02_error_surfaces", "03_least_squares", "04_perceptron", "05_mlp",
                     "06_backpropagation", "07_nonlinearities_costs", "08_deep_networks_gpus"]


def test_all_eight_chapters_are_there():
    assert [path.stem for path in CHAPTERS] == EXPECTED_CHAPTERS


LAB_SOURCES = sorted((CHAPTERS[0].parents[1] / "labs" / "source").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS + LAB_SOURCES, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    dirty = [i for i, cell in enumerate(read(path).cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; strip them before committing"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_labelled_equation_has_a_check_cell(path):
    notebook = read(path)
    labels = equation_labels(notebook)
    checks = set().union(*(checked_labels(c) for c in notebook.cells if c.cell_type == "code"))
    assert labels, f"{path.name} has no labelled equation"
    assert len(labels) == len(set(labels)), f"{path.name}: duplicate labels"
    assert not set(labels) - checks, f"{path.name}: labelled equations without a check-eq-<label> cell: {sorted(set(labels) - checks)}"
    assert not checks - set(labels), f"{path.name}: check cells for labels that do not exist: {sorted(checks - set(labels))}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_check_cells_assert_something(path):
    lazy = [i for i, cell in enumerate(read(path).cells)
            if cell.cell_type == "code" and checked_labels(cell) and "assert" not in cell.source]
    assert not lazy, f"{path.name}: check cells {lazy} contain no assert, so they cannot fail"


def test_labels_are_unique_across_the_book():
    labels = [label for path in CHAPTERS for label in equation_labels(read(path))]
    assert len(labels) == len(set(labels)), "equation labels must be unique across chapters (Sphinx labels are global)"


def test_count_of_labelled_equations(capsys):
    counts = {path.stem: len(equation_labels(read(path))) for path in CHAPTERS}
    with capsys.disabled():
        print(f"\nlabelled equations: {sum(counts.values())} ({', '.join(f'{k}: {v}' for k, v in counts.items())})")
    assert sum(counts.values()) > 0


CODE_WIDTH = 78  # characters of the book's code font that fit its text column at 1280 px (tests/test_browser.py)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_code_fits_the_books_column(path):
    wide = [(i, line) for i, cell in enumerate(read(path).cells) if cell.cell_type == "code"
            for line in cell.source.splitlines() if len(line) > CODE_WIDTH]
    assert not wide, f"{path.name}: {len(wide)} code lines longer than {CODE_WIDTH} characters, e.g. {wide[:3]}"
