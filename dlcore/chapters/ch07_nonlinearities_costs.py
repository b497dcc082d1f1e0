"""Chapter 7, nonlinearities and costs: calibration, reliability diagrams and the expected calibration error.

A classifier is *calibrated* when, among the samples it predicts with confidence ``p``, a fraction
``p`` is correct (Niculescu-Mizil & Caruana 2005; Guo et al. 2017). The confidence of a sample is
the largest predicted probability, ``max_k y_k``, and its prediction is the arg-max. The
confidences are sorted into ``n_bins`` equal-width bins ``B_b = ((b-1)/M, b/M]`` (the first bin
also holds 0), and for each bin we compare the accuracy ``acc(B_b)`` with the mean confidence
``conf(B_b)``. The expected calibration error weighs the gaps by the bin sizes::

    ECE = sum_b (n_b / N) |acc(B_b) - conf(B_b)|

All inputs are numpy arrays with one sample per row (batch first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import to_numpy
from ..checks import check_count


@dataclass(frozen=True, eq=False)
class ReliabilityBins:
    """Per-bin statistics of a reliability diagram, each of shape ``(n_bins,)`` (``edges``: ``n_bins + 1``).

    ``accuracy`` and ``confidence`` are NaN for empty bins (``counts == 0``).
    """

    edges: np.ndarray
    counts: np.ndarray
    accuracy: np.ndarray
    confidence: np.ndarray

    @property
    def n_samples(self) -> int:
        """Total number of samples N (the sum of the counts)."""
        return int(self.counts.sum())

    @property
    def centres(self) -> np.ndarray:
        """Bin centres ``(n_bins,)``."""
        return 0.5 * (self.edges[:-1] + self.edges[1:])


def confidence_and_correct(proba, t):
    """Confidence ``max_k y_k`` and correctness ``argmax_k y_k == t_n`` from ``proba`` ``(N, K)``, ``t`` ``(N,)``.

    A binary output may also be given as ``p(class 1)`` of shape ``(N,)`` or ``(N, 1)``; then the
    confidence is ``max(p, 1 - p)`` and the prediction ``p > 1/2``. Returns two ``(N,)`` arrays
    (float64 and bool).
    """
    proba = np.asarray(to_numpy(proba), dtype=np.float64)
    t = np.asarray(to_numpy(t))
    if proba.ndim == 2 and proba.shape[1] == 1:
        proba = proba[:, 0]
    if proba.ndim == 1:
        proba = np.column_stack([1.0 - proba, proba])
    if proba.ndim != 2:
        raise ValueError(f"proba must have shape (N, K) or (N,); got shape {proba.shape}")
    if t.shape != (proba.shape[0],):
        raise ValueError(f"t must hold one integer label per row of proba, shape ({proba.shape[0]},); got {t.shape}")
    if not np.all(np.isfinite(proba)) or proba.min() < 0 or proba.max() > 1:
        raise ValueError("proba must hold probabilities in [0, 1]")
    if t.size and (not np.all(np.mod(t, 1) == 0) or t.min() < 0 or t.max() >= proba.shape[1]):
        raise ValueError(f"t must hold integer labels in [0, {proba.shape[1] - 1}]")
    return proba.max(axis=1), np.argmax(proba, axis=1) == t


def _check_confidence_correct(confidence, correct):
    confidence = np.asarray(to_numpy(confidence), dtype=np.float64)
    correct = np.asarray(to_numpy(correct))
    if confidence.ndim != 1 or confidence.size == 0:
        raise ValueError(f"confidence must be a non-empty 1-D array (N,); got shape {confidence.shape}")
    if correct.shape != confidence.shape:
        raise ValueError(f"correct must have the shape of confidence {confidence.shape}; got {correct.shape}")
    if not np.all(np.isfinite(confidence)) or confidence.min() < 0 or confidence.max() > 1:
        raise ValueError("confidence must hold numbers in [0, 1]")
    if not np.all((correct == 0) | (correct == 1)):
        raise ValueError("correct must hold booleans (or 0/1)")
    return confidence, correct.astype(np.float64)


def bin_index(confidence, n_bins: int = 10) -> np.ndarray:
    """Bin ``b`` (0-based) of each confidence ``(N,)``, for bins ``(b/M, (b+1)/M]`` (0 goes to bin 0)."""
    n_bins = check_count("n_bins", n_bins)
    inner_edges = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    return np.searchsorted(inner_edges, np.asarray(confidence, dtype=np.float64), side="left")


def reliability_bins(confidence, correct, n_bins: int = 10) -> ReliabilityBins:
    """Counts ``n_b``, accuracy ``acc(B_b)`` and mean confidence ``conf(B_b)`` per bin, from ``(N,)`` arrays."""
    confidence, correct = _check_confidence_correct(confidence, correct)
    n_bins = check_count("n_bins", n_bins)
    index = bin_index(confidence, n_bins)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(index, weights=correct, minlength=n_bins) / counts
        mean_confidence = np.bincount(index, weights=confidence, minlength=n_bins) / counts
    return ReliabilityBins(np.linspace(0.0, 1.0, n_bins + 1), counts, accuracy, mean_confidence)


def expected_calibration_error(
    confidence, correct, n_bins: int = 10
) -> float:
    """``ECE = sum_b (n_b / N) |acc(B_b) - conf(B_b)|``, from ``(N,)`` arrays.

    Empty bins add nothing.
    """
    bins = reliability_bins(confidence, correct, n_bins)
    filled = bins.counts > 0
    weights = bins.counts[filled] / bins.n_samples
    gaps = np.abs(bins.accuracy[filled] - bins.confidence[filled])
    return float(np.sum(weights * gaps))


def plot_reliability_diagram(bins: ReliabilityBins, ax=None, title=None, ece=None, show_counts=True):
    """Reliability diagram: per-bin accuracy ``acc(B_b)`` as bars against the diagonal ``acc = conf``.

    A hatched bar spans the gap between ``acc(B_b)`` and the bin's mean confidence ``conf(B_b)``: the
    term ``|acc - conf|`` that the ECE weighs by ``n_b / N``. With ``show_counts`` a second y-axis shows
    the fraction of samples per bin. The legend sits below the plot. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(bins, ReliabilityBins):
        raise TypeError(f"bins must be a ReliabilityBins (from reliability_bins); got {type(bins).__name__}")
    ax = plt.subplots()[1] if ax is None else ax
    filled = bins.counts > 0
    left, width = bins.edges[:-1][filled], np.diff(bins.edges)[filled]
    accuracy, confidence = bins.accuracy[filled], bins.confidence[filled]
    ax.bar(left, accuracy, width=width, align="edge", color="#0072B2", alpha=0.8, edgecolor="black",
           linewidth=0.6, label="accuracy $\\mathrm{acc}(B_b)$")
    ax.bar(left, confidence - accuracy, bottom=accuracy, width=width, align="edge", facecolor="none",
           edgecolor="#D55E00", hatch="///", linewidth=1.0, label="gap to mean confidence $\\mathrm{conf}(B_b)$")
    ax.plot([0, 1], [0, 1], "--", color="black", linewidth=1.2, zorder=3, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("confidence (largest output $y_k$)")
    ax.set_ylabel("accuracy")
    label = title or "Reliability diagram"
    ax.set_title(label if ece is None else f"{label} (ECE = {ece:.3f})")
    handles, labels = ax.get_legend_handles_labels()
    if show_counts:
        twin = ax.twinx()
        twin.step(bins.edges, np.append(bins.counts, bins.counts[-1]) / bins.n_samples, where="post",
                  color="#009E73", linewidth=1.4, label="fraction of samples in bin")
        twin.set_ylim(0, 1.02)
        twin.set_ylabel("fraction of samples in bin", color="#009E73")
        twin.grid(False)
        twin.spines["right"].set_visible(True)
        more_handles, more_labels = twin.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    return ax
