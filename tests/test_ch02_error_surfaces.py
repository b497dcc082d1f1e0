"""Tests for dlcore.chapters.ch02_error_surfaces: weight slices of an MLP's error, curvature, and gradient-descent helpers."""

import numpy as np
import pytest

from dlcore import MLP, numerical_gradient, relative_error
from dlcore.data import xor_points
from dlcore.chapters.ch02_error_surfaces import (all_weight_refs, error_grid, gradient_descent_path, local_minima,
                                                 max_stable_learning_rate, midpoint_error_ratio, model_at,
                                                 numerical_hessian, path_errors, quadratic, refine_minima,
                                                 swap_hidden_units, train_from_seeds, weight_slice)

A = np.array([[3.0, 1.0], [1.0, 1.0]])


def _xor_net(seed=0, **options):
    options = {"activation": "tanh", "output": "sigmoid", "loss": "cross_entropy", **options}
    return MLP([2, 2, 1], seed=seed, **options)


def _regression_net():
    x = np.linspace(-2.0, 2.0, 9)[:, None]
    t = np.tanh(2.0 * x) + 0.1 * x
    return MLP([1, 2, 1], activation="sigmoid", output="identity", loss="mse", seed=3), x, t


# --- weight_slice ------------------------------------------------------------------------------

def test_weight_slice_error_is_the_model_loss_with_the_weights_set():
    net, x, t = _regression_net()
    refs = [("W", 1, 1, 0), ("b", 2, 0)]
    piece = weight_slice(net, x, t, refs)
    w = np.array([0.7, -0.4])
    expected = MLP([1, 2, 1], activation="sigmoid", output="identity", loss="mse", seed=3)
    expected.W[1][1, 0] = 0.7
    expected.b[2][0] = -0.4
    assert piece.error(w) == pytest.approx(expected.loss(x, t), rel=1e-14), "error(w) should be MLP.loss with the weights set"


def test_weight_slice_w0_holds_the_current_values_and_leaves_the_model_unchanged():
    net, x, t = _regression_net()
    W_before, b_before = [W.copy() for W in net.W[1:]], [b.copy() for b in net.b[1:]]
    piece = weight_slice(net, x, t, [("W", 2, 0, 1), ("b", 1, 0)])
    assert np.array_equal(piece.w0, [net.W[2][0, 1], net.b[1][0]]), f"w0 is {piece.w0}"
    piece.error(np.array([5.0, -5.0]))
    piece.gradient(np.array([5.0, -5.0]))
    for l in (1, 2):
        assert np.array_equal(net.W[l], W_before[l - 1]) and np.array_equal(net.b[l], b_before[l - 1]), \
            "weight_slice must not change the model's weights"
    assert piece.error(piece.w0) == pytest.approx(net.loss(x, t), rel=1e-14), "at w0 the slice should give the model's loss"


def test_weight_slice_gradient_picks_backprop_entries_and_matches_central_differences():
    net, x, t = _regression_net()
    refs = [("W", 1, 0, 0), ("W", 2, 0, 1), ("b", 1, 1)]
    piece = weight_slice(net, x, t, refs)
    w = np.array([1.3, -0.8, 0.2])
    numeric = numerical_gradient(lambda: piece.error(w), [w])[0]
    error = relative_error(piece.gradient(w), numeric)
    assert error < 1e-7, f"slice gradient vs central differences: relative error {error:.1e}"


def test_weight_slice_over_all_refs_gives_the_flattened_parameters_and_full_gradient():
    X, t = xor_points()
    net = _xor_net()
    refs = all_weight_refs(net)
    assert len(refs) == 2 * 2 + 2 + 2 * 1 + 1, f"a 2-2-1 MLP has 9 parameters, got {len(refs)} refs"
    piece = weight_slice(net, X, t, refs)
    flat = np.concatenate([np.concatenate([net.W[l].ravel(), net.b[l]]) for l in (1, 2)])
    assert np.array_equal(piece.w0, flat), "w0 over all refs should list W^1, b^1, W^2, b^2 row-major"
    dW, db = net.gradients(X, t)
    grads = np.concatenate([np.concatenate([dW[l].ravel(), db[l]]) for l in (1, 2)])
    assert np.allclose(piece.gradient(piece.w0), grads, rtol=1e-12, atol=0), "the slice gradient should be MLP.gradients"


def test_weight_slice_labels_use_one_based_unit_numbers():
    net, x, t = _regression_net()
    piece = weight_slice(net, x, t, [("W", 1, 0, 0), ("b", 2, 0)])
    assert piece.labels == ("$w^{1}_{11}$", "$b^{2}_{1}$"), f"got labels {piece.labels}"


@pytest.mark.parametrize("refs, message", [
    ([("V", 1, 0, 0)], "must be"),
    ([("W", 3, 0, 0)], "layer l"),
    ([("W", 0, 0, 0)], "layer l"),
    ([("W", 1, 2, 0)], "does not name an entry"),
    ([("b", 1, 0, 0)], "does not name an entry"),
    ([("W", 1, 0, 0), ("W", 1, 0, 0)], "distinct"),
    ([], "at least one"),
])
def test_weight_slice_rejects_bad_references(refs, message):
    net, x, t = _regression_net()
    with pytest.raises(ValueError, match=message):
        weight_slice(net, x, t, refs)


def test_weight_slice_rejects_w_of_the_wrong_shape():
    net, x, t = _regression_net()
    piece = weight_slice(net, x, t, [("W", 1, 0, 0), ("b", 1, 0)])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        piece.error(np.zeros(3))


def test_weight_slice_works_on_a_torch_model():
    pytest.importorskip("torch")
    X, t = xor_points()
    refs = [("W", 1, 0, 1), ("b", 2, 0)]
    on_numpy = weight_slice(_xor_net(), X, t, refs)
    on_torch = weight_slice(_xor_net(device="torch"), X, t, refs)
    w = np.array([0.3, -0.2])
    assert on_torch.error(w) == pytest.approx(on_numpy.error(w), rel=1e-12), "torch and numpy slices should agree"
    assert np.allclose(on_torch.gradient(w), on_numpy.gradient(w), rtol=1e-10), "torch and numpy gradients should agree"


# --- model_at and swap_hidden_units -------------------------------------------------------------

def test_model_at_sets_the_named_weights_on_a_copy():
    net, x, t = _regression_net()
    moved = model_at(net, [("W", 2, 0, 0)], np.array([9.0]))
    assert moved.W[2][0, 0] == 9.0, "model_at should set W^2[0, 0]"
    assert net.W[2][0, 0] != 9.0, "model_at must not change the original model"
    with pytest.raises(ValueError, match="shape"):
        model_at(net, [("W", 2, 0, 0)], np.array([1.0, 2.0]))


def test_swap_hidden_units_keeps_the_function_and_the_loss():
    X, t = xor_points()
    net = _xor_net(seed=4)
    swapped = swap_hidden_units(net, layer=1, j=0, k=1)
    assert not np.allclose(swapped.W[1], net.W[1]), "the weights should be permuted"
    assert np.array_equal(swapped.W[1], net.W[1][[1, 0]]), "rows of W^1 should be exchanged"
    assert np.array_equal(swapped.b[1], net.b[1][[1, 0]]), "entries of b^1 should be exchanged"
    assert np.array_equal(swapped.W[2], net.W[2][:, [1, 0]]), "columns of W^2 should be exchanged"
    assert np.allclose(swapped.predict_proba(X), net.predict_proba(X), rtol=1e-14), "the network's outputs should not change"
    assert swapped.loss(X, t) == pytest.approx(net.loss(X, t), rel=1e-14)


def test_swap_hidden_units_rejects_the_output_layer_and_bad_units():
    net = _xor_net()
    with pytest.raises(ValueError, match="hidden layer"):
        swap_hidden_units(net, layer=2, j=0, k=0)
    with pytest.raises(ValueError, match="hidden units"):
        swap_hidden_units(net, layer=1, j=0, k=2)
    with pytest.raises(ValueError, match="hidden layer"):
        swap_hidden_units(net, layer=True, j=0, k=1)



def test_midpoint_error_ratio_is_at_most_one_for_a_convex_error():
    E, _ = quadratic(A)
    w_a, w_b = np.array([1.0, -2.0]), np.array([-0.5, 3.0])
    expected = E(0.5 * (w_a + w_b)) / (0.5 * (E(w_a) + E(w_b)))
    assert midpoint_error_ratio(E, w_a, w_b) == pytest.approx(expected, rel=1e-14)
    assert midpoint_error_ratio(E, w_a, w_b) <= 1, "a convex error lies below its chords"


def test_midpoint_error_ratio_exceeds_one_between_symmetric_minima_of_a_network():
    X, t = xor_points()
    (net, _), = train_from_seeds([2, 2, 1], X, t, seeds=[0], epochs=400, eta=2.0,
                                 activation="tanh", output="sigmoid", loss="cross_entropy")
    refs = all_weight_refs(net)
    full = weight_slice(net, X, t, refs)
    swapped = weight_slice(swap_hidden_units(net, layer=1, j=0, k=1), X, t, refs).w0
    ratio = midpoint_error_ratio(full.error, full.w0, swapped)
    assert ratio > 1, f"the midpoint of two symmetric minima should lie above the chord, ratio {ratio}"


def test_midpoint_error_ratio_rejects_mismatched_points_and_a_zero_chord():
    E, _ = quadratic(A)
    with pytest.raises(ValueError, match="same shape"):
        midpoint_error_ratio(E, np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="positive mean"):
        midpoint_error_ratio(E, np.zeros(2), np.zeros(2))

# --- curvature and the quadratic ------------------------------------------------------------------

def test_numerical_hessian_of_a_quadratic_is_its_matrix():
    _, grad = quadratic(A)
    H = numerical_hessian(grad, np.array([0.3, -1.2]))
    assert np.allclose(H, A, atol=1e-8), f"Hessian of 1/2 w^T A w should be A, got {H}"


def test_numerical_hessian_matches_an_analytic_non_quadratic_hessian():
    def grad(w):  # E = sin(w0) w1^2
        return np.array([np.cos(w[0]) * w[1] ** 2, 2 * np.sin(w[0]) * w[1]])
    w = np.array([0.4, 1.5])
    expected = np.array([[-np.sin(w[0]) * w[1] ** 2, 2 * np.cos(w[0]) * w[1]],
                         [2 * np.cos(w[0]) * w[1], 2 * np.sin(w[0])]])
    assert np.allclose(numerical_hessian(grad, w), expected, atol=1e-8)


def test_numerical_hessian_rejects_bad_input():
    _, grad = quadratic(A)
    with pytest.raises(ValueError, match="finite 1-D"):
        numerical_hessian(grad, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="eps"):
        numerical_hessian(grad, np.zeros(2), eps=0.0)


def test_quadratic_gives_half_w_a_w_and_a_w():
    E, grad = quadratic(A)
    w = np.array([1.0, -2.0])
    assert E(w) == pytest.approx(0.5 * (3 * 1 - 2 * 1 * 2 + 1 * 4)), "E should be 1/2 w^T A w"
    assert np.array_equal(grad(w), A @ w), "the gradient should be A w"
    with pytest.raises(ValueError, match="symmetric"):
        quadratic(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        quadratic(np.ones((2, 3)))


def test_max_stable_learning_rate_separates_convergence_from_divergence():
    E, grad = quadratic(A)
    eta_max = max_stable_learning_rate(A)
    assert eta_max == pytest.approx(2 / np.linalg.eigvalsh(A).max()), "the bound should be 2 / lambda_max"
    w0 = np.array([-1.5, 2.0])
    below = path_errors(E, gradient_descent_path(grad, w0, 0.95 * eta_max, 400))
    above = path_errors(E, gradient_descent_path(grad, w0, 1.05 * eta_max, 400))
    assert np.all(np.diff(below) < 0) and below[-1] < 1e-10, "below the bound the error should fall monotonically to 0"
    assert above[-1] > above[0], "above the bound the error should grow"


def test_max_stable_learning_rate_needs_a_positive_definite_matrix():
    with pytest.raises(ValueError, match="positive definite"):
        max_stable_learning_rate(np.array([[1.0, 0.0], [0.0, -1.0]]))


def test_path_errors_evaluates_each_row_and_rejects_bad_paths():
    E, _ = quadratic(np.eye(2))
    errors = path_errors(E, np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]))
    assert np.array_equal(errors, [0.0, 0.5, 1.0]), f"got {errors}"
    with pytest.raises(ValueError, match=r"\(T, D\)"):
        path_errors(E, np.zeros(3))


# --- minima -------------------------------------------------------------------------------------

def _double_well(w):
    return (w[0] ** 2 - 1) ** 2 + 0.3 * w[0] + w[1] ** 2


def _double_well_gradient(w):
    return np.array([4 * w[0] * (w[0] ** 2 - 1) + 0.3, 2 * w[1]])


def test_local_minima_finds_both_wells_lowest_first_and_skips_the_border():
    v = np.linspace(-2.0, 2.0, 81)
    grid = np.array([[_double_well(np.array([a, b])) for a in v] for b in v])
    found = local_minima(grid)
    assert len(found) == 2, f"a double well has two minima, found {found}"
    w1_at = v[found[:, 1]]
    assert w1_at[0] < 0 < w1_at[1], f"the deeper well (w1 < 0) should come first, got w1 = {w1_at}"
    assert np.all((found > 0) & (found < 80)), "only interior points can be reported"
    with pytest.raises(ValueError, match="3 x 3"):
        local_minima(np.zeros((2, 5)))


def test_refine_minima_merges_starts_in_the_same_well_and_sorts_by_error():
    starts = [[0.9, 0.2], [1.1, -0.1], [-0.8, 0.3], [-1.2, 0.0]]
    minima = refine_minima(_double_well, _double_well_gradient, starts)
    assert minima.shape == (2, 2), f"four starts in two wells should give two minima, got {minima}"
    assert minima[0, 0] < 0 < minima[1, 0], "the deeper well should come first"
    assert all(np.linalg.norm(_double_well_gradient(w)) < 1e-8 for w in minima), "the gradient should vanish at the minima"
    with pytest.raises(ValueError, match="starts"):
        refine_minima(_double_well, _double_well_gradient, np.zeros((0, 2)))


# --- train_from_seeds ---------------------------------------------------------------------------

def test_train_from_seeds_is_full_batch_gradient_descent_by_default():
    X, t = xor_points()
    (model, history), = train_from_seeds([2, 2, 1], X, t, seeds=[5], epochs=3, eta=0.5,
                                         activation="tanh", output="sigmoid", loss="cross_entropy")
    manual = _xor_net(seed=5)
    for _ in range(3):
        dW, db = manual.gradients(X, t)
        manual.W = [None] + [manual.W[l] - 0.5 * dW[l] for l in (1, 2)]
        manual.b = [None] + [manual.b[l] - 0.5 * db[l] for l in (1, 2)]
    for l in (1, 2):
        assert np.allclose(model.W[l], manual.W[l], rtol=1e-12) and np.allclose(model.b[l], manual.b[l], rtol=1e-12), \
            "three epochs should be three GD steps"
    assert len(history["train_loss"]) == 3


def test_train_from_seeds_gives_one_run_per_seed_and_seeds_matter():
    X, t = xor_points()
    options = dict(epochs=20, eta=1.0, activation="tanh", output="sigmoid", loss="cross_entropy")
    runs = train_from_seeds([2, 2, 1], X, t, seeds=[0, 1, 0], **options)
    losses = [model.loss(X, t) for model, _ in runs]
    assert len(runs) == 3
    assert losses[0] == losses[2], "the same seed should give the same result"
    assert losses[0] != losses[1], "different seeds should give different results"
    with pytest.raises(ValueError, match="at least one seed"):
        train_from_seeds([2, 2, 1], X, t, seeds=[], **options)


# --- error_grid and gradient_descent_path ---------------------------------------------------------------------------------

A_PATH = np.array([[3.0, 0.5], [0.5, 1.0]])
LAMBDA_MAX = np.linalg.eigvalsh(A_PATH).max()


def _quadratic_error(w):
    return 0.5 * w @ A_PATH @ w


def _quadratic_gradient(w):
    return A_PATH @ w


def test_error_grid_rows_follow_w2_and_columns_follow_w1():
    w1_values = np.array([0.0, 1.0, 2.0])
    w2_values = np.array([10.0, 20.0])
    grid = error_grid(lambda w: w[0] + 100.0 * w[1], w1_values, w2_values)
    assert grid.shape == (2, 3), f"expected (len(w2), len(w1)) = (2, 3), got {grid.shape}"
    assert grid[1, 2] == 2.0 + 100.0 * 20.0, f"grid[1, 2] should be E(w1=2, w2=20), got {grid[1, 2]}"
    assert grid[0, 1] == 1.0 + 100.0 * 10.0


def test_error_grid_rejects_non_1d_values():
    with pytest.raises(ValueError, match=r"w2_values must be a non-empty 1-D array, got shape \(2, 2\)"):
        error_grid(_quadratic_error, [0.0, 1.0], [[0.0, 1.0], [2.0, 3.0]])


def test_gradient_descent_path_converges_for_small_eta():
    path = gradient_descent_path(_quadratic_gradient, [2.0, -1.5], eta=0.5 / LAMBDA_MAX, n_steps=200)
    assert path.shape == (201, 2)
    np.testing.assert_array_equal(path[0], [2.0, -1.5])
    np.testing.assert_allclose(path[1], path[0] - 0.5 / LAMBDA_MAX * A_PATH @ path[0])
    assert np.linalg.norm(path[-1]) < 1e-6, f"should converge to 0, ended at {path[-1]}"


def test_gradient_descent_path_stops_at_divergence_with_finite_rows():
    eta = 2.5 / LAMBDA_MAX
    path = gradient_descent_path(_quadratic_gradient, [1.0, 1.0], eta=eta, n_steps=5000)
    assert 2 < len(path) < 5001, f"divergent run should stop early, got {len(path)} rows"
    assert np.all(np.isfinite(path)), "returned path must hold finite rows only"
    assert np.abs(path[-1]).max() > 1e100, "iterates should have blown up before stopping"


def test_gradient_descent_path_with_zero_steps_is_the_start():
    path = gradient_descent_path(_quadratic_gradient, [1.0, 2.0], eta=0.1, n_steps=0)
    np.testing.assert_array_equal(path, [[1.0, 2.0]])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"eta": 0.0}, "eta must be a positive number; got 0.0"),
        ({"eta": -0.1}, "eta must be a positive number"),
        ({"n_steps": -1}, "n_steps must be an integer >= 0; got -1"),
        ({"n_steps": True}, "n_steps must be an integer >= 0; got True"),
        ({"w0": [[1.0, 2.0]]}, "w0 must be a finite 1-D array"),
    ],
)
def test_gradient_descent_path_rejects_bad_arguments(kwargs, message):
    arguments = {"grad": _quadratic_gradient, "w0": [1.0, 2.0], "eta": 0.1, "n_steps": 5} | kwargs
    with pytest.raises(ValueError, match=message):
        gradient_descent_path(**arguments)
