"""Shared fixtures: matplotlib without a display, and the CUDA marker."""

import matplotlib
import pytest

matplotlib.use("Agg")


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


requires_cuda = pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU")


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
