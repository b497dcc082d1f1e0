"""Reliability-diagram statistics and the expected calibration error (dlcore.chapters.ch07_nonlinearities_costs)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcore.chapters.ch07_nonlinearities_costs import (ReliabilityBins, bin_index, confidence_and_correct,
                                                      expected_calibration_error, plot_reliability_diagram,
                                                      reliability_bins)

RNG = np.random.default_rng(7)


def test_bins_are_closed_on_the_right_and_zero_goes_to_the_first_bin():
    index = bin_index(np.array([0.0, 0.05, 0.1, 0.1000001, 0.5, 0.95, 1.0]), n_bins=10)
    np.testing.assert_array_equal(index, [0, 0, 0, 1, 4, 9, 9], err_msg="bins must be (b/M, (b+1)/M]")


def test_bin_statistics_add_up_to_the_totals():
    confidence = RNG.uniform(0.1, 1.0, 500)
    correct = RNG.uniform(size=500) < confidence
    bins = reliability_bins(confidence, correct, n_bins=15)
    filled = bins.counts > 0
    assert bins.counts.sum() == 500, f"counts sum to {bins.counts.sum()}, not N = 500"
    weighted_accuracy = np.sum(bins.counts[filled] * bins.accuracy[filled]) / 500
    weighted_confidence = np.sum(bins.counts[filled] * bins.confidence[filled]) / 500
    assert np.isclose(weighted_accuracy, correct.mean()), "count-weighted bin accuracy != overall accuracy"
    assert np.isclose(weighted_confidence, confidence.mean()), "count-weighted bin confidence != mean confidence"
    inside = (bins.confidence[filled] > bins.edges[:-1][filled]) & (bins.confidence[filled] <= bins.edges[1:][filled])
    assert inside.all(), "a bin's mean confidence must lie inside the bin"


def test_empty_bins_are_nan_and_do_not_count_in_the_ece():
    bins = reliability_bins(np.array([0.95, 0.97]), np.array([True, False]), n_bins=10)
    assert np.isnan(bins.accuracy[:9]).all() and np.isnan(bins.confidence[:9]).all(), "empty bins must be NaN"
    ece = expected_calibration_error(np.array([0.95, 0.97]), np.array([True, False]), n_bins=10)
    assert np.isclose(ece, abs(0.5 - 0.96)), f"ECE of one filled bin must be |acc - conf| = 0.46; got {ece}"


def test_ece_matches_a_direct_sum_over_samples():
    confidence = RNG.uniform(0.0, 1.0, 300)
    correct = RNG.uniform(size=300) < 0.7
    M = 8
    index = np.minimum(np.ceil(confidence * M).astype(int) - 1, M - 1).clip(0)
    direct = sum(abs(correct[index == b].mean() - confidence[index == b].mean()) * np.sum(index == b) / 300
                 for b in range(M) if np.any(index == b))
    assert np.isclose(expected_calibration_error(confidence, correct, n_bins=M), direct), "ECE != its definition"


def test_ece_is_zero_for_calibrated_bins_and_at_least_the_global_gap():
    confidence = np.repeat([0.25, 0.75], 4)
    correct = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=bool)  # 1/4 and 3/4 correct: perfectly calibrated
    assert expected_calibration_error(confidence, correct, n_bins=4) == pytest.approx(0.0, abs=1e-12)
    confidence = RNG.uniform(0.5, 1.0, 200)
    correct = RNG.uniform(size=200) < 0.6
    ece = expected_calibration_error(confidence, correct)
    assert ece >= abs(correct.mean() - confidence.mean()) - 1e-12, "ECE must bound |accuracy - mean confidence|"


def test_confidence_and_correct_for_softmax_and_binary_outputs():
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1]])
    confidence, correct = confidence_and_correct(proba, np.array([0, 1, 0]))
    np.testing.assert_allclose(confidence, [0.7, 0.6, 0.5])
    np.testing.assert_array_equal(correct, [True, False, True])
    confidence, correct = confidence_and_correct(np.array([[0.9], [0.2]]), np.array([1, 1]))
    np.testing.assert_allclose(confidence, [0.9, 0.8], err_msg="binary confidence must be max(p, 1 - p)")
    np.testing.assert_array_equal(correct, [True, False])


@pytest.mark.parametrize("confidence,correct,n_bins,match", [
    (np.array([0.5, 1.2]), np.array([1, 0]), 10, "in \\[0, 1\\]"),
    (np.array([0.5, 0.6]), np.array([1]), 10, "shape"),
    (np.array([0.5, 0.6]), np.array([1, 2]), 10, "booleans"),
    (np.array([0.5, 0.6]), np.array([1, 0]), 0, "n_bins"),
    (np.array([0.5, 0.6]), np.array([1, 0]), True, "n_bins"),
    (np.zeros((0,)), np.zeros((0,)), 10, "non-empty"),
])
def test_bad_input_raises_a_clear_value_error(confidence, correct, n_bins, match):
    with pytest.raises(ValueError, match=match):
        reliability_bins(confidence, correct, n_bins)


def test_confidence_and_correct_rejects_bad_labels_and_probabilities():
    with pytest.raises(ValueError, match="labels"):
        confidence_and_correct(np.full((2, 3), 1 / 3), np.array([0, 3]))
    with pytest.raises(ValueError, match="probabilities"):
        confidence_and_correct(np.array([[1.5, -0.5]]), np.array([0]))


def test_plot_reliability_diagram_draws_one_bar_per_filled_bin():
    confidence = np.array([0.15, 0.55, 0.56, 0.95])
    bins = reliability_bins(confidence, np.array([0, 1, 0, 1]), n_bins=10)
    ax = plot_reliability_diagram(bins, ece=0.1)
    accuracy_bars, gap_bars = ax.containers[0], ax.containers[1]
    assert len(accuracy_bars) == 3 and len(gap_bars) == 3, "expected one accuracy and one gap bar per filled bin"
    filled = bins.counts > 0
    np.testing.assert_allclose([bar.get_height() for bar in accuracy_bars], bins.accuracy[filled])
    np.testing.assert_allclose([bar.get_y() + bar.get_height() for bar in gap_bars], bins.confidence[filled],
                               err_msg="each gap bar must end at the bin's mean confidence")
    assert "ECE = 0.100" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel(), "axes must be labelled"
    plt.close("all")
    with pytest.raises(TypeError):
        plot_reliability_diagram({"counts": [1]})
    assert isinstance(bins, ReliabilityBins) and bins.n_samples == 4
