"""Errors E^n: values, gradients against central differences, the output delta, stability at 1e4."""

import numpy as np
import pytest

from dlcore.activations import sigmoid, softmax
from dlcore.losses import (cross_entropy_sigmoid, cross_entropy_softmax, get_objective, sum_of_squares,
                           weight_decay)

RNG = np.random.default_rng(1)
PAIRS = [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"), ("softmax", "mse"),
         ("sigmoid", "mse"), ("identity", "mse")]


def targets(output, N=6, K=4):
    if output == "softmax":
        return np.eye(K)[RNG.integers(0, K, N)]
    if output == "sigmoid":
        return RNG.integers(0, 2, (N, K)).astype(float)
    return RNG.normal(size=(N, K))


def numerical_da(f, a, eps=1e-6):
    """dE/da for each entry of a, with f(a) the summed error."""
    grad = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[index] = eps
        grad[index] = (f(a + step) - f(a - step)) / (2 * eps)
    return grad


def test_error_values_match_their_definitions():
    a, t = RNG.normal(size=(5, 3)), np.eye(3)[[0, 2, 1, 1, 0]]
    y = softmax(a)
    np.testing.assert_allclose(cross_entropy_softmax(a, t), -np.sum(t * np.log(y), axis=1), rtol=1e-12)
    s = sigmoid(a)
    expected = -np.sum(t * np.log(s) + (1 - t) * np.log(1 - s), axis=1)
    np.testing.assert_allclose(cross_entropy_sigmoid(a, t), expected, rtol=1e-12)
    np.testing.assert_allclose(sum_of_squares(y, t), 0.5 * np.sum((y - t) ** 2, axis=1), rtol=1e-12)


@pytest.mark.parametrize("output,loss", PAIRS)
def test_output_delta_is_the_derivative_of_the_error(output, loss):
    objective = get_objective(output, loss)
    a, t = RNG.normal(size=(6, 4)), targets(output)
    delta = objective.delta(a, objective.g_out(a), t)
    numeric = numerical_da(lambda a_: np.sum(objective.error(a_, t)), a)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9,
                               err_msg=f"{output}+{loss}: delta^L != dE/da^L by central differences")


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_general_rule_equals_y_minus_t_for_cross_entropy(output):
    """delta^L = g'(a^L) dE/dy simplifies to y - t for the canonical pairs."""
    objective = get_objective(output, "cross_entropy")
    a, t = RNG.normal(size=(6, 4)), targets(output)
    y = objective.g_out(a)
    from dlcore.losses import general_output_delta
    np.testing.assert_allclose(general_output_delta(output, a, y, objective.dE_dy(y, t)), y - t, rtol=1e-10)


def test_weight_decay_is_half_lambda_squared_frobenius_norms():
    W1, W2 = RNG.normal(size=(3, 2)), RNG.normal(size=(1, 3))
    assert weight_decay([W1, W2], 0.1) == pytest.approx(0.05 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)), rel=1e-14)


def test_identity_output_with_cross_entropy_is_rejected():
    with pytest.raises(ValueError, match="needs outputs that are probabilities"):
        get_objective("identity", "cross_entropy")


@pytest.mark.parametrize("name,bad", [("output", "tanh"), ("loss", "hinge")])
def test_unknown_output_or_loss_names_the_choices(name, bad):
    kwargs = {"output": "softmax", "loss": "mse", name: bad}
    with pytest.raises(ValueError, match=f"unknown {name} '{bad}'"):
        get_objective(**kwargs)


def test_cross_entropies_are_finite_and_exact_at_logits_of_1e4():
    a = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    t = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        ce_softmax = cross_entropy_softmax(a, t)
        ce_sigmoid = cross_entropy_sigmoid(a, t)
    # row 1: ln y_2 = -1e4 - logsumexp(1e4, -1e4, 0) = -2e4; row 2: y_2 = 1/2
    np.testing.assert_allclose(ce_softmax, [2e4, np.log(2.0)], rtol=1e-14)
    # sigmoid: t=0 at a=1e4 costs 1e4, t=1 at a=-1e4 costs 1e4, t=0 at a=0 costs ln 2 ...
    np.testing.assert_allclose(ce_sigmoid, [2e4 + np.log(2.0), 1e4], rtol=1e-14)
