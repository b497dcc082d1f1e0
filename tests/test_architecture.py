"""The package's layout: a chapter module imports only the core, and the core never imports a chapter module."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dlcore"
CHAPTERS = sorted((PACKAGE / "chapters").glob("ch*.py"))
CORE = sorted(PACKAGE.glob("*.py"))


def _imports(path: Path, package: str) -> list[tuple[int, str]]:
    """Every module that ``path`` imports, as an absolute dotted name, with its line number."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]  # from pkg import module
    return found


def test_there_is_one_chapter_module_per_chapter_notebook():
    notebooks = sorted(p.stem for p in (PACKAGE.parent / "chapters").glob("[0-9][0-9]_*.ipynb"))
    assert [p.stem for p in CHAPTERS] == [f"ch{name}" for name in notebooks], \
        "each chapters/NN_name.ipynb should have its module dlcore/chapters/chNN_name.py"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_module_imports_no_other_chapter_module(path):
    chapter_imports = [(line, name) for line, name in _imports(path, "dlcore.chapters")
                       if name.startswith("dlcore.chapters.") and name != "dlcore.chapters.__init__"]
    assert not chapter_imports, (f"{path.name} imports another chapter's module (line, name): {chapter_imports}; "
                                 "what two chapters share belongs in the core of dlcore")


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.stem)
def test_the_core_imports_no_chapter_module(path):
    chapter_imports = [(line, name) for line, name in _imports(path, "dlcore")
                       if name == "dlcore.chapters" or name.startswith("dlcore.chapters.")]
    assert not chapter_imports, f"the core module {path.name} imports a chapter module (line, name): {chapter_imports}"


def test_the_import_check_sees_relative_and_absolute_chapter_imports(tmp_path):
    source = tmp_path / "ch99_example.py"
    source.write_text("from .ch01_logistic_regression import accuracy\nfrom ..chapters import ch02_error_surfaces\n"
                      "import dlcore.chapters.ch03_least_squares\nfrom ..plotting import scatter_classes\n")
    names = [name for _, name in _imports(source, "dlcore.chapters")]
    assert "dlcore.chapters.ch01_logistic_regression" in names
    assert "dlcore.chapters.ch02_error_surfaces" in names
    assert "dlcore.chapters.ch03_least_squares" in names
    assert not any(name.startswith("dlcore.chapters.") for name in names if "plotting" in name)
