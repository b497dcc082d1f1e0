"""Shared fixtures: matplotlib without a display, the book built once, and the ``cuda`` marker.

Tests marked ``@pytest.mark.cuda`` run only where torch sees a CUDA GPU (``pytest -m cuda`` runs
just them on a GPU machine); elsewhere they are skipped with the reason.
"""

import matplotlib
import pytest

matplotlib.use("Agg")


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    if cuda_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The whole book (labs released first) built once per test session, warnings as errors; the html folder."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    release = subprocess.run(["make", "-s", "release"], cwd=root, capture_output=True, text=True, timeout=600)
    assert release.returncode == 0, f"make release failed (the book shows the labs' student versions):\n{release.stderr[-3000:]}"
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jupyter_book), "build", str(root), "--path-output", str(out), "-W", "--keep-going"],
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, f"jupyter-book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return out / "_build" / "html"
