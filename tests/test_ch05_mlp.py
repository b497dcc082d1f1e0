"""Tests for dlcore.chapters.ch05_mlp: first-layer activations, the output line in hidden space, the plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore import MLP  # noqa: E402
from dlcore.data import xor_points  # noqa: E402
from dlcore.chapters.ch05_mlp import (  # noqa: E402
    first_layer,
    hidden_unit_grid,
    output_line,
    plot_hidden_space,
    plot_hidden_units,
    separation_margin,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _xor_network(output="softmax"):
    """Hand-set weights that solve XOR: unit 1 ~ OR, unit 2 ~ AND, output ~ OR and not AND."""
    model = MLP([2, 2, 2 if output == "softmax" else 1], activation="tanh", output=output)
    W1, b1 = np.array([[4.0, 4.0], [4.0, 4.0]]), np.array([-2.0, -6.0])
    w, b = np.array([3.0, -3.0]), -2.0
    W2, b2 = (np.vstack([-w, w]) / 2, np.array([-b, b]) / 2) if output == "softmax" else (w[None, :], np.array([b]))
    model.W, model.b = [None, W1, W2], [None, b1, b2]
    return model


def test_first_layer_matches_tanh_of_affine_map():
    model = MLP([2, 3, 2], activation="tanh", seed=1)
    X = np.random.default_rng(0).normal(size=(5, 2))
    a1, z1 = first_layer(model, X)
    W1, b1 = model.W[1], model.b[1]
    assert np.allclose(a1, X @ W1.T + b1), "a^1 should be X W^1.T + b^1"
    assert np.allclose(z1, np.tanh(a1)), "z^1 should be tanh(a^1) for a tanh network"
    assert a1.shape == (5, 3) and z1.shape == (5, 3), f"expected shapes (5, 3); got {a1.shape}, {z1.shape}"


def test_first_layer_works_on_a_torch_model():
    torch_model = MLP([2, 3, 2], seed=2, device="torch")
    numpy_model = MLP([2, 3, 2], seed=2)
    X = np.random.default_rng(1).normal(size=(4, 2))
    assert isinstance(first_layer(torch_model, X)[1], np.ndarray), "first_layer must return numpy arrays"
    assert np.allclose(first_layer(torch_model, X)[1], first_layer(numpy_model, X)[1]), "torch and numpy z^1 differ"


def test_first_layer_rejects_a_network_without_hidden_layer_and_bad_X():
    with pytest.raises(ValueError, match="no hidden layer"):
        first_layer(MLP([2, 2]), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        first_layer(MLP([2, 3, 2]), np.zeros((3, 4)))


def test_hidden_unit_grid_rows_follow_x2_and_units_come_first():
    model = MLP([2, 3, 2], seed=0)
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    x1, x2, A, Z = hidden_unit_grid(model, X, resolution=5, padding=0.0)
    assert x1.shape == (5, 5) and A.shape == (3, 5, 5) and Z.shape == (3, 5, 5), f"got {x1.shape}, {A.shape}"
    assert x1[0, -1] == 1.0 and x2[-1, 0] == 2.0, "columns should run along x1 and rows along x2"
    a1, _ = first_layer(model, np.array([[x1[1, 3], x2[1, 3]]]))
    assert np.allclose(A[:, 1, 3], a1[0]), "A[j, r, c] should be a_j^1 at the grid point (x1[r, c], x2[r, c])"


def test_hidden_unit_grid_rejects_non_planar_models_and_small_resolution():
    with pytest.raises(ValueError, match="only for 2 inputs"):
        hidden_unit_grid(MLP([3, 2, 2]), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="resolution"):
        hidden_unit_grid(MLP([2, 2, 2]), np.zeros((2, 2)), resolution=1)


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_output_line_reproduces_the_networks_decisions(output):
    model = _xor_network(output)
    X = np.random.default_rng(0).uniform(-0.5, 1.5, size=(200, 2))
    _, Z = first_layer(model, X)
    w, b = output_line(model)
    assert np.array_equal((Z @ w + b > 0).astype(int), model.predict(X)), f"{output}: line and predict disagree"


def test_output_line_rejects_deep_or_multiclass_networks():
    with pytest.raises(ValueError, match="two-layer"):
        output_line(MLP([2, 3, 3, 2]))
    with pytest.raises(ValueError, match="two classes"):
        output_line(MLP([2, 3, 3]))


def test_xor_becomes_separable_in_hidden_space():
    X, t = xor_points()
    model = _xor_network()
    assert model.score(X, t) == 1.0, "the hand-set network should solve XOR"
    margin = separation_margin(first_layer(model, X)[1], t, *output_line(model))
    assert margin > 0.1, f"the output line should separate XOR in hidden space with a margin; got {margin}"


def test_separation_margin_is_signed_distance_of_closest_point():
    Z = np.array([[0.0, 2.0], [0.0, -1.0]])
    t = np.array([1, 0])
    assert separation_margin(Z, t, np.array([0.0, 2.0]), 0.0) == pytest.approx(1.0), "closest point is 1 away"
    assert separation_margin(Z, 1 - t, np.array([0.0, 1.0]), 0.0) == pytest.approx(-2.0), "swapped labels: negative"


def test_separation_margin_rejects_bad_input():
    with pytest.raises(ValueError, match="zero vector"):
        separation_margin(np.ones((2, 2)), np.array([0, 1]), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        separation_margin(np.ones((2, 2)), np.array([-1, 1]), np.ones(2), 0.0)
    with pytest.raises(ValueError, match="expected Z"):
        separation_margin(np.ones((2, 2)), np.array([0, 1]), np.ones(3), 0.0)


def test_plot_hidden_units_draws_one_image_and_zero_line_per_unit():
    X, t = xor_points()
    axes = plot_hidden_units(_xor_network(), X, t, resolution=20)
    assert len(axes) == 2, f"expected one panel per hidden unit; got {len(axes)}"
    for ax in axes:
        assert len(ax.images) == 1, "each panel should show z_j^1 as one image"
        assert ax.collections, "each panel should draw the line a_j = 0 and the points"
        assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"


def test_plot_hidden_units_checks_the_number_of_axes():
    X, _ = xor_points()
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="one Axes per hidden unit"):
        plot_hidden_units(_xor_network(), X, axes=axes)


def test_plot_hidden_space_draws_points_and_output_line():
    X, t = xor_points()
    ax = plot_hidden_space(_xor_network(), X, t)
    assert len(ax.lines) == 1, "the output line should be drawn once"
    assert len(ax.collections) == 2, "one scatter per class"
    with pytest.raises(ValueError, match="2 hidden units"):
        plot_hidden_space(MLP([2, 3, 2]), X, t)


def test_plot_labels_write_the_layer_as_a_plain_superscript():
    """As in chapters 6-8: z_1^1 and W^2, not z_1^(1) and W^(2)."""
    X, t = xor_points()
    axes = plot_hidden_units(_xor_network(), X, t, resolution=20)
    ax = plot_hidden_space(_xor_network(), X, t)
    texts = [a.get_title() for a in axes] + [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    legends = (axes[0].figure.legends[0], ax.get_legend())  # hidden units: a figure legend, below
    texts += [text.get_text() for legend in legends for text in legend.get_texts()]
    assert axes[0].get_title() == "hidden unit 1: $z_{1}^{1}(\\mathbf{x})$", axes[0].get_title()
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$z_1^1$", "$z_2^1$")
    assert not [text for text in texts if "^{(" in text or "^{{(" in text], f"parenthesised layer superscripts in {texts}"
