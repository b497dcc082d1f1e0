"""MLP.gradients against torch.autograd (an independent oracle) and against central differences."""

import itertools

import numpy as np
import pytest

from dlcore import MLP, check_gradients, relative_error

torch_reference = pytest.importorskip("torch_reference")

ACTIVATIONS = ["sigmoid", "tanh", "relu"]
OUTPUT_LOSSES = [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"), ("softmax", "mse"),
                 ("sigmoid", "mse"), ("identity", "mse")]
# every activation x output/loss pair x weight decay on/off = 30 architectures, depth 1 to 4
CASES = list(itertools.product(ACTIVATIONS, OUTPUT_LOSSES, [0.0, 0.1]))


def random_problem(case_index, activation, output, loss, weight_decay):
    """A random architecture (depth 1..4, widths 1..6) with data and valid targets."""
    rng = np.random.default_rng(100 + case_index)
    depth = 1 + case_index % 4
    sizes = [int(rng.integers(1, 6))] + [int(m) for m in rng.integers(1, 7, depth - 1)] + [int(rng.integers(2, 5))]
    model = MLP(sizes, activation=activation, output=output, loss=loss, weight_decay=weight_decay,
                seed=case_index)
    for b in model.b[1:]:  # non-zero biases exercise db
        b += rng.normal(scale=0.5, size=b.shape)
    N, K = int(rng.integers(1, 9)), sizes[-1]
    X = rng.normal(size=(N, sizes[0]))
    if output == "softmax":
        T = rng.integers(0, K, N)
    elif output == "sigmoid":
        T = rng.integers(0, 2, (N, K)).astype(float)
    else:
        T = rng.normal(size=(N, K))
    return model, X, T


def dense_targets(model, T):
    return np.eye(model.sizes[-1])[T] if T.ndim == 1 else T


@pytest.mark.parametrize("case_index,case", list(enumerate(CASES)), ids=lambda c: str(c))
def test_gradients_match_torch_autograd(case_index, case):
    activation, (output, loss), weight_decay = case
    model, X, T = random_problem(case_index, activation, output, loss, weight_decay)
    layers = range(1, model.n_layers + 1)
    params = [np.array(p) for l in layers for p in (model.W[l], model.b[l])]
    value, expected = torch_reference.autograd_gradients(params, X, dense_targets(model, T), activation, output,
                                                         loss, weight_decay)
    assert model.loss(X, T) == pytest.approx(value, rel=1e-12), "loss disagrees with the torch formulation"
    dW, db = model.gradients(X, T)
    got = [g for l in layers for g in (dW[l], db[l])]
    for l, (g, e) in enumerate(zip(got, expected)):
        name = f"{'Wb'[l % 2]}{l // 2 + 1}"
        assert g.shape == e.shape, f"{name}: shape {g.shape}, expected {e.shape}"
        assert relative_error(g, e) < 1e-7, f"sizes {model.sizes}: {name} off by {relative_error(g, e):.2e} (relative)"


@pytest.mark.parametrize("case_index,case", list(enumerate(CASES))[::3], ids=lambda c: str(c))
def test_gradients_match_central_differences_of_loss(case_index, case):
    activation, (output, loss), weight_decay = case
    model, X, T = random_problem(case_index, activation, output, loss, weight_decay)
    errors = check_gradients(model, X, T)
    worst = max(errors, key=errors.get)
    assert errors[worst] < 1e-6, f"sizes {model.sizes}: {worst} differs from central differences by {errors[worst]:.2e}"


def test_gradients_are_indexed_like_the_weights():
    model = MLP([3, 5, 4, 2])
    X, T = np.ones((7, 3)), np.zeros(7, dtype=int)
    dW, db = model.gradients(X, T)
    assert len(dW) == len(db) == len(model.W) == 4 and dW[0] is None and db[0] is None
    for l in range(1, 4):
        assert model.W[l].shape == (model.sizes[l], model.sizes[l - 1]), f"W[{l}] should be W^{l}"
        assert dW[l].shape == model.W[l].shape and db[l].shape == model.b[l].shape


def test_a_wrong_recursion_is_caught_by_the_oracle(monkeypatch):
    """The check can fail: dropping the g' factor of the recursion gives a large error."""
    import dlcore.mlp
    from dlcore.backprop import backprop_deltas

    def without_g_prime(delta_L, a, z, W, g_prime):
        return backprop_deltas(delta_L, a, z, W, lambda a_, z_=None: np.ones_like(a_))

    monkeypatch.setattr(dlcore.mlp, "backprop_deltas", without_g_prime)
    model = MLP([3, 4, 4, 2], seed=1)
    X, T = np.random.default_rng(0).normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    errors = check_gradients(model, X, T)
    assert errors["W1"] > 1e-2, f"a recursion without g' should fail the check; error was {errors['W1']:.2e}"


def test_the_recursion_reads_like_the_lecture():
    """The code of backprop.py carries the lecture's indices: one line per equation, l for l."""
    import inspect

    import dlcore.backprop as bp

    source = inspect.getsource(bp)
    for line in ("a[l] = z[l - 1] @ W[l].T + b[l]",
                 "delta[l - 1] = g_prime(a[l - 1], z[l - 1]) * (delta[l] @ W[l])",
                 "[delta[l].T @ z[l - 1] for l in range(1, L + 1)]"):
        assert line in source, f"dlcore/backprop.py should contain the line {line!r}"


def test_backprop_functions_use_lists_indexed_by_layer():
    from dlcore.activations import tanh, tanh_prime
    from dlcore.backprop import backprop_deltas, forward, weight_gradients

    model = MLP([3, 4, 2], seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    a, z = forward(X, model.W, model.b, tanh, tanh)
    assert a[0] is None and z[0] is X and a[1].shape == (5, 4) and z[2].shape == (5, 2)
    delta = backprop_deltas(np.ones((5, 2)), a, z, model.W, tanh_prime)
    assert delta[0] is None and delta[1].shape == (5, 4) and np.array_equal(delta[2], np.ones((5, 2)))
    expected_delta_1 = (1 - np.tanh(a[1]) ** 2) * (np.ones((5, 2)) @ model.W[2])
    np.testing.assert_allclose(delta[1], expected_delta_1, rtol=1e-12)
    dW, db = weight_gradients(delta, z)
    np.testing.assert_allclose(dW[2], np.ones((5, 2)).T @ z[1], rtol=1e-12)
    np.testing.assert_allclose(db[1], expected_delta_1.sum(axis=0), rtol=1e-12)
