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
    for contender in ("GEMM-only floor", "plain numpy", "in-place numpy", "dlcore numpy", "dlcore torch-cpu",
                      "torch autograd", "sklearn MLPClassifier"):
        assert f"| {contender} |" in table, f"{contender} is missing from the table"
    raw = json.loads((tmp_path / "throughput.json").read_text())
    assert all(row["samples_per_s"] > 0 for row in raw["results"])
    assert len(raw["targets"]) == 4
    assert "Targets:" in capsys.readouterr().out


def test_committed_results_exist_for_the_book():
    assert (ROOT / "bench" / "results" / "throughput.md").is_file(), "run `make bench` and commit the results"


def test_the_in_place_contender_takes_exactly_the_plain_steps():
    """Preallocating and working in place must not change the arithmetic it is timed for."""
    import numpy as np

    X, t = throughput.digits_data()
    T = np.eye(10, dtype=np.float32)[t]
    plain, in_place = throughput.PlainNumpyMLP([64, 128, 10]), throughput.InPlaceNumpyMLP([64, 128, 10], 32)
    for start in (0, 32, 64):
        a_plain = plain.step(X[start:start + 32], T[start:start + 32], 0.05)
        a_in_place = in_place.step(X[start:start + 32], T[start:start + 32], 0.05)
        np.testing.assert_allclose(a_in_place, a_plain, rtol=1e-4, atol=1e-5)
    for W_in_place, W_plain in zip(in_place.W, plain.W):
        np.testing.assert_allclose(W_in_place, W_plain, rtol=1e-4, atol=1e-6)
    assert in_place.epoch(X, T, 0.05, 32) == plain.epoch(X, T, 0.05, 32), "a partial last batch must work too"


def test_grading_at_scale_writes_its_table_with_targets_and_the_identity_check(tmp_path, capsys):
    """A class of 2 students: three runs, each graded in full and with the one-at-a-time run's grades."""
    import grading_scale

    assert grading_scale.main(["--students", "2", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "grading_scale.md").read_text()
    for run in grading_scale.RUNS:
        assert f"| {run} |" in table, f"{run} is missing from the table"
    assert table.count("| yes |") == 2, "both parallel runs must give the one-at-a-time run's grades"
    raw = json.loads((tmp_path / "grading_scale.json").read_text())
    n_labs = sum(1 for lab in (ROOT / "labs" / "source").iterdir() if lab.is_dir())
    assert all(len(run["outcomes"]) == 2 * n_labs for run in raw["runs"].values())
    assert all(outcome["error"] is None for run in raw["runs"].values() for outcome in run["outcomes"])
    assert "two jobs at least" in capsys.readouterr().out


def test_committed_grading_results_exist_for_the_book():
    assert (ROOT / "bench" / "results" / "grading_scale.md").is_file(), "run `make bench` and commit the results"
