"""Activations: each g' against central differences of g; softmax and sigmoid at |a| = 1e4."""

import numpy as np
import pytest
from scipy.special import expit, log_softmax as scipy_log_softmax, softmax as scipy_softmax

from dlcore.activations import (ACTIVATIONS, get_activation, log_softmax, sigmoid, softmax, softmax_vjp,
                                softplus)

RNG = np.random.default_rng(0)


def central_difference(f, a, eps=1e-6):
    return (f(a + eps) - f(a - eps)) / (2 * eps)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_central_differences(name):
    act = get_activation(name)
    a = RNG.normal(scale=3.0, size=(50, 7))
    a = a[np.abs(a) > 1e-3].reshape(-1)  # relu has no derivative at 0
    numeric = central_difference(act.g, a)
    np.testing.assert_allclose(act.g_prime(a), numeric, rtol=1e-6, atol=1e-9,
                               err_msg=f"{name}: g_prime disagrees with (g(a+eps) - g(a-eps)) / 2eps")


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_reuses_z_consistently(name):
    act = get_activation(name)
    a = RNG.normal(size=(4, 5))
    np.testing.assert_allclose(act.g_prime(a, act.g(a)), act.g_prime(a), rtol=1e-12)


def test_softmax_jacobian_vector_product_matches_central_differences():
    a, v = RNG.normal(size=(1, 5)), RNG.normal(size=(1, 5))
    jacobian = np.stack([central_difference(lambda s: softmax(a + s * e)[0], 0.0) for e in np.eye(5)])
    np.testing.assert_allclose(softmax_vjp(softmax(a), v)[0], jacobian @ v[0], rtol=1e-6, atol=1e-10)


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu"):
        get_activation("swish")


@pytest.mark.parametrize("scale", [1.0, 30.0, 700.0, 1e4])
def test_sigmoid_matches_scipy_in_both_tails(scale):
    a = np.linspace(-scale, scale, 1001)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no invalid value
        y = sigmoid(a)
    np.testing.assert_allclose(y, expit(a), rtol=1e-14, atol=1e-300)  # scipy flushes subnormals


def test_sigmoid_keeps_relative_precision_of_tiny_probabilities():
    a = np.array([-30.0, -100.0, -700.0])
    np.testing.assert_allclose(sigmoid(a), np.exp(a) / (1 + np.exp(a)), rtol=1e-14)


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_softmax_and_log_softmax_match_scipy_at_large_logits(scale):
    a = RNG.normal(size=(20, 6)) * scale
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y, log_y = softmax(a), log_softmax(a)
    assert np.all(np.isfinite(log_y)), "log_softmax must stay finite at |a| = 1e4"
    np.testing.assert_allclose(y, scipy_softmax(a, axis=1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(log_y, scipy_log_softmax(a, axis=1), rtol=1e-12)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-14)


def test_softplus_is_finite_and_exact_at_large_arguments():
    a = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    expected = np.array([0.0, np.log1p(np.exp(-50.0)), np.log(2.0), 50.0 + np.log1p(np.exp(-50.0)), 1e4])
    np.testing.assert_allclose(softplus(a), expected, rtol=1e-15)
