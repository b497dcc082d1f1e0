"""The book builds from the repository with Sphinx warnings as errors."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_book_builds_without_warnings(tmp_path):
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jupyter_book), "build", str(ROOT), "--path-output", str(tmp_path), "-W", "--keep-going"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"jupyter-book build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    html = tmp_path / "_build" / "html"
    assert (html / "index.html").exists(), "the build did not produce _build/html/index.html"
    assert "Deep Neural Networks" in (html / "intro.html").read_text(encoding="utf-8")
    benchmarks = (html / "appendix" / "benchmarks.html").read_text(encoding="utf-8")
    assert "GEMM-only floor" in benchmarks, "the benchmark table is not included in the book"
