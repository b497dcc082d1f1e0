"""Non-linearities ``z = g(a)`` and their derivatives ``g_prime(a) = g'(a)``.

``a`` is the pre-activation of a layer and ``z`` its output (Bishop's letters;
Nielsen's book swaps them). Each function takes an array of any shape and
works elementwise, except softmax, which normalises over the last axis.
Every derivative accepts the already computed ``z = g(a)`` so that the
backward pass does not evaluate ``g`` twice (``tanh'(a) = 1 - z**2``).

Sigmoid and softmax are written so that they neither overflow nor lose
relative precision for ``|a|`` up to ``1e4`` and beyond.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .backend import get_namespace


def sigmoid(a):
    """Logistic sigmoid ``sigma(a) = 1 / (1 + exp(-a))``, exact in both tails."""
    xp = get_namespace(a)
    e = xp.exp(-xp.abs(a))  # in (0, 1]: never overflows
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_prime(a, z=None):
    """``sigma'(a) = sigma(a) (1 - sigma(a))``."""
    z = sigmoid(a) if z is None else z
    return z * (1 - z)


def tanh(a):
    """Hyperbolic tangent ``tanh(a)``."""
    return get_namespace(a).tanh(a)


def tanh_prime(a, z=None):
    """``tanh'(a) = 1 - tanh(a)^2``."""
    z = tanh(a) if z is None else z
    return 1 - z * z


def relu(a):
    """Rectified linear unit ``max(a, 0)``."""
    return get_namespace(a).maximum(a, 0.0)


def relu_prime(a, z=None):
    """``relu'(a) = 1 if a > 0 else 0`` (0 at ``a = 0``, the usual convention)."""
    xp = get_namespace(a)
    return xp.astype(a > 0, a.dtype)


def identity(a):
    """Identity ``g(a) = a`` (linear output for regression)."""
    return a


def identity_prime(a, z=None):
    """``g'(a) = 1``."""
    return get_namespace(a).ones_like(a)


def log_softmax(a):
    """``ln y_k`` for ``y = softmax(a)`` over the last axis: ``a_k - logsumexp(a)``."""
    xp = get_namespace(a)
    shifted = a - xp.max(a, axis=-1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))


def softmax(a):
    """Softmax ``y_k = exp(a_k) / sum_j exp(a_j)`` over the last axis."""
    xp = get_namespace(a)
    e = xp.exp(a - xp.max(a, axis=-1, keepdims=True))
    return e / xp.sum(e, axis=-1, keepdims=True)


def softmax_vjp(y, v):
    """``J^T v`` for the softmax Jacobian ``dy_j/da_k = y_j (delta_jk - y_k)``: ``y * (v - sum_j y_j v_j)``."""
    xp = get_namespace(y)
    return y * (v - xp.sum(y * v, axis=-1, keepdims=True))


def softplus(a):
    """``ln(1 + exp(a))`` without overflow: ``max(a, 0) + ln(1 + exp(-|a|))``."""
    xp = get_namespace(a)
    return xp.maximum(a, 0.0) + xp.log1p(xp.exp(-xp.abs(a)))


@dataclass(frozen=True)
class Activation:
    """A non-linearity ``g`` paired with its derivative ``g_prime(a, z=None)``."""

    name: str
    g: Callable
    g_prime: Callable


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime),
    "tanh": Activation("tanh", tanh, tanh_prime),
    "relu": Activation("relu", relu, relu_prime),
    "identity": Activation("identity", identity, identity_prime),
}


def get_activation(name: str) -> Activation:
    """The :class:`Activation` called ``name`` (ValueError naming the choices otherwise)."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None
