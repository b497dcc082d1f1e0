"""Tests for dlcore.chapters.ch04_perceptron: threshold units, the perceptron criterion, margins, Novikoff's bound,
boundary plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore import Perceptron, numerical_gradient  # noqa: E402
from dlcore.chapters import ch04_perceptron as boundaries  # noqa: E402
from dlcore.data import make_separable_blobs, xor_points  # noqa: E402
from dlcore.features import design_matrix  # noqa: E402
from dlcore.plotting import plot_boundary  # noqa: E402
from dlcore.separability import is_linearly_separable  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _blobs(offset=(0.0, 0.0), n=40, seed=0):
    X, t01 = make_separable_blobs(n, seed=seed)
    return X + np.asarray(offset), 2 * t01 - 1


def test_threshold_units_compute_and_and_or():
    X, z_and = boundaries.truth_table(lambda X: boundaries.threshold_unit(X, [1, 1], 2))
    _, z_or = boundaries.truth_table(lambda X: boundaries.threshold_unit(X, [1, 1], 1))
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]], f"inputs not in lexicographic order: {X.tolist()}"
    assert z_and.tolist() == [0, 0, 0, 1], f"AND unit gave {z_and.tolist()}"
    assert z_or.tolist() == [0, 1, 1, 1], f"OR unit gave {z_or.tolist()}"


def test_threshold_unit_rejects_mismatched_weights():
    with pytest.raises(ValueError, match=r"w must have shape \(2,\)"):
        boundaries.threshold_unit(np.zeros((4, 2)), [1, 1, 1], 1)


def test_perceptron_criterion_is_zero_for_a_separator_and_positive_otherwise():
    X, t = _blobs()
    Phi = design_matrix(X)
    assert boundaries.perceptron_criterion(np.array([0.0, 1.0, 1.0]), Phi, t) == 0.0
    E = boundaries.perceptron_criterion(np.array([0.0, -1.0, -1.0]), Phi, t)
    assert E > 0, f"the reversed separator misclassifies everything, yet E_P = {E}"
    expected = np.sum(np.abs(Phi @ np.array([0.0, 1.0, 1.0])))
    assert np.isclose(E, expected), f"E_P of the reversed separator should be sum |w^T phi| = {expected}, got {E}"


def test_perceptron_criterion_gradient_matches_finite_differences():
    X, t = _blobs()
    Phi = design_matrix(X)
    w = np.array([0.3, 0.7, -1.1])  # a generic point: no sample exactly on the boundary
    numeric = numerical_gradient(lambda: boundaries.perceptron_criterion(w, Phi, t), [w])[0]
    analytic = boundaries.perceptron_criterion_gradient(w, Phi, t)
    assert np.allclose(numeric, analytic, atol=1e-5), f"gradient {analytic} vs finite differences {numeric}"


def test_misclassified_counts_the_boundary_as_a_mistake():
    Phi = np.array([[1.0, 0.0], [1.0, 2.0]])
    mask = boundaries.misclassified(np.array([0.0, 1.0]), Phi, np.array([1, 1]))
    assert mask.tolist() == [True, False], f"a sample with w^T phi = 0 must count as misclassified; got {mask}"


def test_margin_radius_and_bound_on_a_hand_example():
    Phi = np.array([[1.0, 2.0], [1.0, -2.0]])
    t = np.array([1, -1])
    w = np.array([0.0, 1.0])
    assert np.isclose(boundaries.margin(w, Phi, t), 2.0)
    assert np.isclose(boundaries.radius(Phi), np.sqrt(5.0))
    assert np.isclose(boundaries.novikoff_bound(Phi, t, w), 5.0 / 4.0)
    with pytest.raises(ValueError, match="does not separate"):
        boundaries.novikoff_bound(Phi, t, -w)


def test_max_margin_weights_beat_any_other_separator_and_bound_the_perceptron():
    X, t = _blobs(offset=(3.0, 1.0), n=60, seed=1)
    Phi = design_matrix(X)
    u = boundaries.max_margin_weights(Phi, t)
    assert np.isclose(np.linalg.norm(u), 1.0)
    gamma = boundaries.margin(u, Phi, t)
    known = np.array([-4.0, 1.0, 1.0])  # the generator's line x1 + x2 = 0, moved by the offset
    assert gamma >= boundaries.margin(known, Phi, t) - 1e-9, "the max-margin w has a smaller margin than a known separator"
    perceptron = Perceptron(max_epochs=1000, seed=0).fit(X, t)
    updates = sum(perceptron.mistakes_per_epoch)
    assert perceptron.converged and updates <= boundaries.novikoff_bound(Phi, t, u), (
        f"{updates} updates exceed Novikoff's bound {boundaries.novikoff_bound(Phi, t, u):.1f}")


def test_linear_separability_of_blobs_and_xor():
    X, t = _blobs()
    assert is_linearly_separable(design_matrix(X), t)
    X, t01 = xor_points()
    assert not is_linearly_separable(design_matrix(X), 2 * t01 - 1), "XOR must not be linearly separable"
    with pytest.raises(ValueError, match="not linearly separable"):
        boundaries.max_margin_weights(design_matrix(X), 2 * t01 - 1)


def test_signed_logistic_loss_matches_the_0_1_cross_entropy():
    X, t = _blobs()
    Phi = design_matrix(X)
    w = np.array([0.2, -0.5, 0.8])
    y = 1 / (1 + np.exp(-(Phi @ w)))
    t01 = (t + 1) / 2
    expected = -np.sum(t01 * np.log(y) + (1 - t01) * np.log(1 - y))
    assert np.isclose(boundaries.signed_logistic_loss(w, Phi, t), expected)


def test_signed_targets_are_required():
    with pytest.raises(ValueError, match=r"targets t must be -1 or \+1"):
        boundaries.perceptron_criterion(np.zeros(2), np.ones((3, 2)), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"targets t must be -1 or \+1"):
        is_linearly_separable(np.ones((3, 2)), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"targets t must have shape \(3,\)"):
        boundaries.margin(np.ones(2), np.ones((3, 2)), np.array([1, -1]))


def test_plot_boundary_keeps_limits_and_draws_the_line():
    X, t = _blobs()
    ax = boundaries.plot_signed_points(X, t)
    limits = ax.get_xlim(), ax.get_ylim()
    plot_boundary(np.array([0.0, 1.0, 1.0]), ax=ax, normal=True, color="black")
    assert (ax.get_xlim(), ax.get_ylim()) == limits, "drawing the boundary changed the axis limits"
    assert [c.get_label() for c in ax.collections] == ["$t = -1$", "$t = +1$"], "one scatter per sign, labelled"
    x, y = ax.lines[-1].get_data()
    assert np.allclose(np.asarray(x) + np.asarray(y), 0.0), "the drawn line is not x1 + x2 = 0"


def test_boundary_panel_has_one_axes_per_epoch_and_skips_zero_weights():
    X, t01 = xor_points()
    history = [np.zeros(3), np.array([0.0, 1.0, -1.0])]
    axes = boundaries.plot_boundary_panel(history, X, 2 * t01 - 1, epochs=[1, 2], mistakes_per_epoch=[4, 3])
    assert len(axes) == 2
    assert len(axes[0].lines) == 0 and len(axes[1].lines) == 1, "w = 0 has no line; w != 0 has one"
    assert "3 mistakes" in axes[1].get_title()
    with pytest.raises(ValueError, match="epochs must lie in"):
        boundaries.plot_boundary_panel(history, X, 2 * t01 - 1, epochs=[0])


def test_shade_regions_adds_filled_regions_and_keeps_limits():
    X, t = _blobs()
    ax = boundaries.plot_signed_points(X, t)
    limits = ax.get_xlim(), ax.get_ylim()
    boundaries.shade_regions(np.array([0.0, 1.0, 1.0]), ax)
    assert (ax.get_xlim(), ax.get_ylim()) == limits, "shading changed the axis limits"
    assert len(ax.collections) >= 3, "expected the two scatters plus the filled regions"
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        boundaries.shade_regions(np.zeros(2), ax)


def test_perceptron_from_zero_replays_dlcore_perceptron_in_a_fixed_order():
    X, t = _blobs(offset=(4.0, 1.0))
    reference = Perceptron(eta=1.0, max_epochs=100, shuffle=False).fit(X, t)
    w, mistakes = boundaries.perceptron_from(design_matrix(X), t, np.zeros(3))
    assert mistakes == reference.mistakes_per_epoch and np.allclose(w, reference.w)


def test_perceptron_from_a_start_depends_on_eta_only_through_w_start_over_eta():
    X, t = _blobs(offset=(4.0, 1.0))
    Phi, w_start = design_matrix(X), np.array([5.0, -1.0, 1.0])
    w_small, mistakes_small = boundaries.perceptron_from(Phi, t, w_start, eta=0.1)
    w_scaled, mistakes_scaled = boundaries.perceptron_from(Phi, t, w_start / 0.1, eta=1.0)
    assert mistakes_small == mistakes_scaled and np.allclose(w_small, 0.1 * w_scaled)
    assert mistakes_small[-1] == 0 and np.all(t * (Phi @ w_small) > 0)


def test_perceptron_from_stops_at_max_epochs_on_xor_and_rejects_bad_input():
    X, t01 = xor_points()
    Phi = design_matrix(X)
    _, mistakes = boundaries.perceptron_from(Phi, 2 * t01 - 1, np.zeros(3), max_epochs=7)
    assert len(mistakes) == 7 and min(mistakes) > 0
    with pytest.raises(ValueError, match="eta"):
        boundaries.perceptron_from(Phi, 2 * t01 - 1, np.zeros(3), eta=0.0)
    with pytest.raises(ValueError, match=r"w must have shape \(3,\)"):
        boundaries.perceptron_from(Phi, 2 * t01 - 1, np.zeros(2))
