"""Tests for dlcore.plotting (Agg backend, figures closed after each test)."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from matplotlib.font_manager import FontProperties  # noqa: E402

from dlcore import plotting  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _two_blobs():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-1.0, 0.3, size=(20, 2)), rng.normal(1.0, 0.3, size=(20, 2))])
    t = np.repeat([0, 1], 20)
    return X, t


def _predict_by_sum(points):
    return (points.sum(axis=1) > 0).astype(int)


class _SumClassifier:
    def predict(self, points):
        return _predict_by_sum(points)


# --- style -----------------------------------------------------------------------------------


def test_use_course_style_is_idempotent_and_sets_book_figure_size():
    plotting.use_course_style()
    first = dict(plt.rcParams)
    plotting.use_course_style()
    assert dict(plt.rcParams) == first, "a second call changed rcParams"
    assert plt.rcParams["figure.figsize"][0] == plotting.COLUMN_WIDTH
    assert plt.rcParams["axes.grid"] is True


def test_course_style_never_sets_text_below_the_minimum_size():
    plotting.use_course_style()
    sizes = {key: FontProperties(size=plt.rcParams[key]).get_size_in_points()
             for key in plt.rcParams if key.endswith(("fontsize", "labelsize", "titlesize")) or key == "font.size"}
    small = {key: size for key, size in sizes.items() if size < plotting.MIN_FONT_SIZE}
    assert not small, f"text smaller than MIN_FONT_SIZE = {plotting.MIN_FONT_SIZE} pt: {small}"
    assert plt.rcParams["figure.dpi"] == plotting.DPI


def test_column_figure_is_as_wide_as_the_column_and_grows_by_rows():
    fig, axes = plotting.column_figure(2, 2, row_height=3.0)
    assert axes.shape == (2, 2)
    assert tuple(fig.get_size_inches()) == (plotting.COLUMN_WIDTH, 6.0)
    plt.close(fig)
    with pytest.raises(ValueError, match="ncols must be an integer >= 1"):
        plotting.column_figure(1, 0)


# A font size given in code, as a number or a name matplotlib maps below the default size.
FONT_SIZE_IN_CODE = re.compile(r"""(?:fontsize|labelsize\s*=|["']size["']\s*:)\s*=?\s*"""
                               r"""(?:(\d+(?:\.\d+)?)|["'](xx-small|x-small|small|smaller)["'])""")
FIGURE_CODE = [*sorted((ROOT / "chapters").glob("*.ipynb")), *sorted((ROOT / "dlcore").rglob("*.py"))]


@pytest.mark.parametrize("path", FIGURE_CODE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_figure_text_is_set_below_the_minimum_size(path):
    text = path.read_text()
    small = [m.group(0) for m in FONT_SIZE_IN_CODE.finditer(text)
             if m.group(2) or float(m.group(1)) < plotting.MIN_FONT_SIZE]
    assert not small, f"{path.name} sets figure text below {plotting.MIN_FONT_SIZE} pt: {small}"


# --- decision regions ------------------------------------------------------------------------


@pytest.mark.parametrize("predict", [_predict_by_sum, _SumClassifier()], ids=["callable", "object_with_predict"])
def test_decision_regions_accept_callable_and_predict_object(predict):
    X, t = _two_blobs()
    ax = plotting.plot_decision_regions(predict, X, t, resolution=50, title="linear")
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("$x_1$", "$x_2$", "linear")
    legend_texts = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend_texts == ["$t = 0$", "$t = 1$"], f"legend should name the classes, got {legend_texts}"
    assert len(ax.collections) >= 3, "expected the filled regions and one scatter per class"
    assert ax.get_xlim()[0] == pytest.approx(X[:, 0].min() - 0.5)


def test_decision_regions_draw_on_a_given_axes():
    X, t = _two_blobs()
    _, ax = plt.subplots()
    assert plotting.plot_decision_regions(_predict_by_sum, X, t, ax=ax, resolution=20) is ax


@pytest.mark.parametrize("X", [np.zeros((5, 3)), np.zeros(5)], ids=["three_columns", "one_dimensional"])
def test_decision_regions_reject_X_that_is_not_n_by_2(X):
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plotting.plot_decision_regions(_predict_by_sum, X, np.zeros(5, dtype=int))


def test_decision_regions_reject_mismatched_t():
    X, _ = _two_blobs()
    with pytest.raises(ValueError, match=r"t must have shape \(40,\)"):
        plotting.plot_decision_regions(_predict_by_sum, X, np.zeros(39, dtype=int))


# --- points by class and linear boundaries --------------------------------------------------


def test_scatter_classes_draws_one_labelled_collection_per_class_present():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
    ax = plotting.scatter_classes(X, np.array([0, 2, 2, 0]))
    assert [c.get_label() for c in ax.collections] == ["$t = 0$", "$t = 2$"], "class 1 has no points: no scatter"
    colours = [tuple(c.get_facecolor()[0]) for c in ax.collections]
    assert colours[1] == matplotlib.colors.to_rgba(plotting.CLASS_COLOURS[2]), "class k takes CLASS_COLOURS[k]"
    ax = plotting.scatter_classes(X, np.array([-1, 1, 1, -1]), classes=(-1, 1), markers=("o", "s"), label="$t = {:+d}$")
    assert [c.get_label() for c in ax.collections][-2:] == ["$t = -1$", "$t = +1$"]
    with pytest.raises(ValueError, match=r"t must have shape \(4,\)"):
        plotting.scatter_classes(X, np.array([0, 1]))


def test_boundary_segment_lies_on_the_line():
    for w in (np.array([1.0, 2.0, -0.5]), np.array([-0.3, 0.1, 3.0])):
        ends = plotting.boundary_segment(w, (-2, 2), (-2, 2))
        residual = w[0] + ends @ w[1:]
        assert np.allclose(residual, 0.0), f"segment ends {ends} are off the line w = {w}: residuals {residual}"
        assert not np.allclose(ends[0], ends[1]), "the two ends coincide"
    with pytest.raises(ValueError, match="not a line"):
        plotting.boundary_segment(np.array([1.0, 0.0, 0.0]), (0, 1), (0, 1))


def test_plot_boundary_spans_the_current_view_and_keeps_it():
    _, ax = plt.subplots()
    ax.set(xlim=(-1.0, 3.0), ylim=(-2.0, 2.0))
    plotting.plot_boundary(np.array([-1.0, 1.0, 0.0]), ax=ax)  # the vertical line x1 = 1
    x, y = ax.lines[-1].get_data()
    assert np.allclose(x, 1.0) and sorted(y) == [-2.0, 2.0], f"expected x1 = 1 across the view, got {x}, {y}"
    assert (ax.get_xlim(), ax.get_ylim()) == ((-1.0, 3.0), (-2.0, 2.0))


# --- error surface ---------------------------------------------------------------------------


A = np.array([[3.0, 0.5], [0.5, 1.0]])


def _quadratic_error(w):
    return 0.5 * w @ A @ w


def _descent(w0, eta, n_steps):
    """Gradient descent on E = 1/2 w^T A w: the iterates (n_steps + 1, 2)."""
    path = [np.asarray(w0, dtype=np.float64)]
    for _ in range(n_steps):
        path.append(path[-1] - eta * A @ path[-1])
    return np.array(path)


def _surface_and_paths():
    w1_values = np.linspace(-2.0, 2.0, 30)
    w2_values = np.linspace(-2.0, 2.0, 25)
    grid = np.array([[_quadratic_error(np.array([a, b])) for a in w1_values] for b in w2_values])  # rows follow w2
    paths = [_descent([1.8, 1.5], eta=0.1, n_steps=20), _descent([-1.5, 1.8], eta=0.3, n_steps=20)]
    return w1_values, w2_values, grid, paths


def test_error_surface_contour_with_paths_and_colour_bar():
    w1_values, w2_values, grid, paths = _surface_and_paths()
    ax = plotting.plot_error_surface(w1_values, w2_values, grid, paths=paths, labels=["eta=0.1", "eta=0.3"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$w_1$", "$w_2$")
    assert len(ax.lines) == 4, f"expected a line and a start marker per path, got {len(ax.lines)} lines"
    np.testing.assert_allclose(ax.lines[0].get_xydata(), paths[0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["eta=0.1", "eta=0.3"]
    colour_bar_labels = [other.get_ylabel() for other in ax.figure.axes if other is not ax]
    assert colour_bar_labels == ["error $E(\\mathbf{w})$"], f"colour bar label: {colour_bar_labels}"


def test_error_surface_3d_lifts_paths_onto_the_surface():
    w1_values, w2_values, grid, paths = _surface_and_paths()
    ax = plotting.plot_error_surface(w1_values, w2_values, grid, paths=paths, kind="3d", labels=["a", "b"])
    assert ax.name == "3d"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$w_1$", "$w_2$")
    assert len(ax.lines) == 4
    x, y, z = ax.lines[0].get_data_3d()
    np.testing.assert_allclose(np.column_stack([x, y]), paths[0])
    exact_heights = [_quadratic_error(w) for w in paths[0]]
    np.testing.assert_allclose(z, exact_heights, atol=0.05, err_msg="path heights should follow E on the grid")


def test_error_surface_without_paths():
    w1_values, w2_values, grid, _ = _surface_and_paths()
    ax = plotting.plot_error_surface(w1_values, w2_values, grid)
    assert len(ax.lines) == 0
    assert ax.get_legend() is None


@pytest.mark.parametrize(
    "change, message",
    [
        ({"E_grid": np.zeros((30, 25))}, r"E_grid must have shape .* = \(25, 30\)"),
        ({"kind": "surface"}, "kind must be 'contour' or '3d', got 'surface'"),
        ({"paths": [np.zeros((5, 3))]}, r"paths\[0\] must have shape \(N, 2\), got \(5, 3\)"),
        ({"labels": ["only one"]}, "one label per path: expected 2, got 1"),
    ],
)
def test_error_surface_rejects_bad_input(change, message):
    w1_values, w2_values, grid, paths = _surface_and_paths()
    arguments = {"w1_values": w1_values, "w2_values": w2_values, "E_grid": grid, "paths": paths} | change
    with pytest.raises(ValueError, match=message):
        plotting.plot_error_surface(**arguments)


def test_error_surface_3d_rejects_flat_axes():
    w1_values, w2_values, grid, _ = _surface_and_paths()
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="needs a 3-D Axes"):
        plotting.plot_error_surface(w1_values, w2_values, grid, kind="3d", ax=ax)


# --- learning curves -------------------------------------------------------------------------


def _history(with_validation=True, best_epoch=None, accuracy=True):
    n = 6
    history = {
        "train_loss": list(np.linspace(1.0, 0.2, n)),
        "val_loss": list(np.linspace(1.1, 0.5, n)) if with_validation else [],
        "train_accuracy": list(np.linspace(0.5, 0.9, n)) if accuracy else [float("nan")] * n,
        "val_accuracy": (list(np.linspace(0.4, 0.8, n)) if accuracy else [float("nan")] * n) if with_validation else [],
    }
    if best_epoch is not None:
        history["best_epoch"] = best_epoch
    return history


def test_learning_curves_with_validation_and_best_epoch():
    loss_ax, accuracy_ax = plotting.plot_learning_curves(_history(best_epoch=3))
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel()) == ("epoch", "loss")
    assert (accuracy_ax.get_xlabel(), accuracy_ax.get_ylabel()) == ("epoch", "accuracy")
    assert len(loss_ax.lines) == 3, "training, validation and the early-stopping line"
    assert len(accuracy_ax.lines) == 3
    early_stopping = loss_ax.lines[-1]
    assert early_stopping.get_linestyle() == "--" and list(early_stopping.get_xdata()) == [4, 4]
    assert loss_ax.lines[0].get_xdata()[0] == 1, "epochs should start at 1"
    assert "best validation epoch" in loss_ax.get_legend().get_texts()[-1].get_text()


def test_learning_curves_without_validation_or_best_epoch():
    loss_ax, accuracy_ax = plotting.plot_learning_curves(_history(with_validation=False))
    assert len(loss_ax.lines) == 1 and len(accuracy_ax.lines) == 1
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["training"]


def test_learning_curves_skip_all_nan_accuracy():
    loss_ax, accuracy_ax = plotting.plot_learning_curves(_history(best_epoch=2, accuracy=False))
    assert len(loss_ax.lines) == 3
    assert len(accuracy_ax.lines) == 0, "an all-NaN accuracy should draw no curves"
    assert any("no accuracy" in text.get_text() for text in accuracy_ax.texts)


def test_learning_curves_draw_on_given_axes():
    _, axes = plt.subplots(1, 2)
    returned = plotting.plot_learning_curves(_history(), ax=axes)
    assert list(returned) == list(axes)


@pytest.mark.parametrize(
    "history, message",
    [
        ({"train_loss": []}, "non-empty 'train_loss'"),
        ({"train_loss": [1.0, 0.5], "val_loss": [1.0]}, r"history\['val_loss'\] must be empty or hold 2 values"),
        ({"train_loss": [1.0, 0.5], "best_epoch": 2}, r"best_epoch must be a 0-based epoch index in \[0, 2\), got 2"),
    ],
)
def test_learning_curves_reject_bad_history(history, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_learning_curves(history)


# ---------------------------------------------------------------- diagrams
def _gid_artists(ax, gid):
    return [artist for artist in ax.findobj() if artist.get_gid() == gid]


def _texts(ax):
    return [text.get_text() for text in ax.texts]


@pytest.mark.parametrize("n_inputs, bias", [(2, True), (3, False), (1, True)])
def test_draw_unit_draws_one_node_and_one_named_weight_per_input_then_the_sum(n_inputs, bias):
    ax = plotting.draw_unit(n_inputs=n_inputs, bias=bias)
    n_in = n_inputs + bias
    assert len(_gid_artists(ax, "node")) == n_in + 1                       # the inputs and the sum
    weight_labels = [text.get_text() for text in _gid_artists(ax, "edge-label")]
    assert weight_labels == [f"$w_{{{i}}}$" for i in range(0 if bias else 1, n_inputs + 1)]
    assert len(_gid_artists(ax, "edge")) == n_in + 2                       # inputs -> sum -> g -> y
    assert len(_gid_artists(ax, "activation")) == 1
    texts = _texts(ax)
    assert r"$a = \mathbf{w}^\top\boldsymbol{\phi}$" in texts and "$y = g(a)$" in texts
    assert ("$1$" in texts) == bias and (r"$\phi_0 =$" in texts) == bias


def test_draw_unit_draws_the_perceptrons_step_and_signed_output():
    ax = plotting.draw_unit(activation="step", input_symbol="x")
    texts = _texts(ax)
    assert r"$y = f(a) \in \{-1, +1\}$" in texts and "step $f$" in texts
    assert "$x_{1}$" in texts and "$x_{2}$" in texts and r"$a = \mathbf{w}^\top\mathbf{x}$" in texts
    assert len(_gid_artists(ax, "step")) == 1


@pytest.mark.parametrize("kwargs, message", [({"n_inputs": 0}, "n_inputs"), ({"n_inputs": 7}, "at most 6"),
                                             ({"activation": "relu"}, "activation"), ({"input_symbol": "z"}, "input_symbol")])
def test_draw_unit_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.draw_unit(**kwargs)


def test_draw_mlp_draws_every_unit_and_every_weight_with_layer_indices_and_sizes():
    ax = plotting.draw_mlp((3, 4, 2))
    assert len(_gid_artists(ax, "node")) == 3 + 4 + 2
    assert len(_gid_artists(ax, "edge")) == 3 * 4 + 4 * 2
    labels = [text.get_text() for text in _gid_artists(ax, "edge-label")]
    assert labels == ["$w^{1}_{11}$", "$w^{1}_{43}$", "$w^{2}_{11}$", "$w^{2}_{24}$"]
    node_labels = [text.get_text() for text in _gid_artists(ax, "node-label")]
    assert node_labels == ["$x_{1}$", "$x_{2}$", "$x_{3}$", "$z^{1}_{1}$", "$z^{1}_{2}$", "$z^{1}_{3}$", "$z^{1}_{4}$",
                           "$y_{1}$", "$y_{2}$"]
    under = [text.get_text() for text in _gid_artists(ax, "layer-index")]
    assert under == ["$l = 0$\n$M_{0} = 3$\nunits $i$", "$l = 1$\n$M_{1} = 4$\nunits $j$", "$l = 2$\n$M_{2} = 2$\nunits $k$"]
    names = [text.get_text() for text in _gid_artists(ax, "layer-name")]
    assert names[0] == "input\n$\\mathbf{z}^0 = \\mathbf{x}$" and names[1].startswith("hidden")
    assert [text.get_text() for text in _gid_artists(ax, "weight-name")] == ["$W^{1}$\n$4 \\times 3$", "$W^{2}$\n$2 \\times 4$"]


def test_draw_mlp_handles_deeper_networks_and_fewer_named_weights():
    ax = plotting.draw_mlp([2, 3, 3, 1], labelled_edges=1)
    assert len(_gid_artists(ax, "node")) == 9 and len(_gid_artists(ax, "edge")) == 6 + 9 + 3
    assert [text.get_text() for text in _gid_artists(ax, "edge-label")] == ["$w^{1}_{11}$", "$w^{2}_{11}$", "$w^{3}_{11}$"]
    assert "$z^{2}_{3}$" in _texts(ax)
    assert not _gid_artists(plotting.draw_mlp([2, 2], labelled_edges=0), "edge-label")


@pytest.mark.parametrize("sizes, kwargs, message", [([3], {}, "sizes"), ([2, 0, 1], {}, "sizes"), ([2, 7, 1], {}, "at most"),
                                                    ([2, 2, 1], {"labelled_edges": 3}, "labelled_edges")])
def test_draw_mlp_rejects_bad_input(sizes, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.draw_mlp(sizes, **kwargs)


def test_diagrams_draw_on_a_given_axes_without_axis_lines():
    fig, ax = plt.subplots()
    assert plotting.draw_mlp([2, 2, 1], ax=ax) is ax and not ax.axison
    assert plotting.draw_unit(ax=ax) is ax
