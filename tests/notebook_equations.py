"""Labelled equations of the chapter notebooks and the cells that check them.

A labelled equation is MyST display math followed by a label: ``$$ ... $$ (label)``. Its check is a
code cell tagged ``check-eq-<label>`` that asserts the equation holds.
"""

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
LABEL = re.compile(r"\$\$\s*\(([A-Za-z0-9_-]+)\)")
CHECK_TAG = "check-eq-"


def equation_labels(notebook) -> list[str]:
    """Labels of the display equations in the notebook's markdown cells, in order."""
    return [label for cell in notebook.cells if cell.cell_type == "markdown"
            for label in LABEL.findall(cell.source)]


def checked_labels(cell) -> set[str]:
    """The equation labels a code cell's ``check-eq-<label>`` tags say it checks."""
    return {tag[len(CHECK_TAG):] for tag in cell.get("metadata", {}).get("tags", []) if tag.startswith(CHECK_TAG)}


def read(path: Path):
    return nbformat.read(path, as_version=4)
