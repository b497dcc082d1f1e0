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
    for W, b in model.parameters:  # non-zero biases exercise db
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
    params = [np.array(p) for pair in model.parameters for p in pair]
    value, expected = torch_reference.autograd_gradients(params, X, dense_targets(model, T), activation, output,
                                                         loss, weight_decay)
    assert model.loss(X, T) == pytest.approx(value, rel=1e-12), "loss disagrees with the torch formulation"
    got = [g for pair in model.gradients(X, T) for g in pair]
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


def test_gradient_shapes_match_parameters():
    model = MLP([3, 5, 4, 2])
    X, T = np.ones((7, 3)), np.zeros(7, dtype=int)
    for (W, b), (dW, db) in zip(model.parameters, model.gradients(X, T)):
        assert dW.shape == W.shape and db.shape == b.shape


def test_a_wrong_recursion_is_caught_by_the_oracle(monkeypatch):
    """The check can fail: dropping the g' factor of the recursion gives a large error."""
    import dlcore.mlp
    from dlcore.backprop import backprop_deltas

    def without_g_prime(delta_L, a, z, parameters, g_prime):
        return backprop_deltas(delta_L, a, z, parameters, lambda a_, z_=None: np.ones_like(a_))

    monkeypatch.setattr(dlcore.mlp, "backprop_deltas", without_g_prime)
    model = MLP([3, 4, 4, 2], seed=1)
    X, T = np.random.default_rng(0).normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    errors = check_gradients(model, X, T)
    assert errors["W1"] > 1e-2, f"a recursion without g' should fail the check; error was {errors['W1']:.2e}"
