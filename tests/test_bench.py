"""The benchmark script runs and writes the table the book includes (a smoke run, not a timing)."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import throughput  # noqa: E402

pytestmark = pytest.mark.slow


def test_quick_benchmark_writes_a_table_with_every_contender(tmp_path, capsys):
    assert throughput.main(["--quick", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "throughput.md").read_text()
    for contender in ("GEMM-only floor", "plain numpy", "dlcore numpy", "dlcore torch-cpu", "torch autograd",
                      "sklearn MLPClassifier"):
        assert f"| {contender} |" in table, f"{contender} is missing from the table"
    raw = json.loads((tmp_path / "throughput.json").read_text())
    assert all(row["samples_per_s"] > 0 for row in raw["results"])
    assert len(raw["targets"]) == 4
    assert "Targets:" in capsys.readouterr().out


def test_committed_results_exist_for_the_book():
    assert (ROOT / "bench" / "results" / "throughput.md").is_file(), "run `make bench` and commit the results"
