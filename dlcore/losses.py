"""Error functions ``E^n`` of one sample, their derivatives, and the output delta.

``y`` is the network output ``z^L = g(a^L)``, ``a`` the output pre-activation
``a^L`` and ``t`` the target, all of shape ``(N, K)``; every per-sample error
returns shape ``(N,)``. The cross-entropies are computed from ``a`` through
log-sum-exp, so they stay finite for logits of +-1e4.

The output delta ``delta^L = dE^n/da^L`` follows the general rule
``delta_k^L = g'(a_k^L) dE^n/dy_k`` (with the softmax Jacobian in place of
``g'`` for a softmax output); for the *canonical* pairs (softmax or sigmoid
with cross-entropy, identity with sum-of-squares) it simplifies to ``y - t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .activations import get_activation, log_softmax, sigmoid, softmax, softmax_vjp, softplus
from .backend import get_namespace

OUTPUTS = ("softmax", "sigmoid", "identity")
LOSSES = ("cross_entropy", "mse")
CANONICAL_PAIRS = {("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"), ("identity", "mse")}


def sum_of_squares(y, t):
    """``E^n = 1/2 ||y_n - t_n||^2`` per sample: ``(N, K) -> (N,)``."""
    xp = get_namespace(y)
    return 0.5 * xp.sum((y - t) ** 2, axis=-1)


def cross_entropy_softmax(a, t):
    """``E^n = -sum_k t_k ln y_k`` with ``y = softmax(a)``, from the logits ``a``: ``(N, K) -> (N,)``."""
    xp = get_namespace(a)
    return -xp.sum(t * log_softmax(a), axis=-1)


def cross_entropy_sigmoid(a, t):
    """``E^n = -sum_k [t_k ln y_k + (1 - t_k) ln(1 - y_k)]``, ``y = sigma(a)``, as ``softplus(a) - t a``."""
    xp = get_namespace(a)
    return xp.sum(softplus(a) - t * a, axis=-1)


def weight_decay(weights, lam: float):
    """Regulariser ``lambda R(w) = (lambda / 2) sum_l ||W^l||_F^2`` (biases are not decayed)."""
    return 0.5 * lam * sum(float(get_namespace(W).sum(W * W)) for W in weights)


def sum_of_squares_dy(y, t):
    """``dE^n/dy_k = y_k - t_k`` for the sum-of-squares error."""
    return y - t


def cross_entropy_softmax_dy(y, t):
    """``dE^n/dy_k = -t_k / y_k`` for the softmax cross-entropy (unstable: only for checks)."""
    return -t / y


def cross_entropy_sigmoid_dy(y, t):
    """``dE^n/dy_k = (y_k - t_k) / (y_k (1 - y_k))`` for the sigmoid cross-entropy (only for checks)."""
    return (y - t) / (y * (1 - y))


def general_output_delta(output: str, a, y, dE_dy):
    """``delta^L = g'(a^L) dE^n/dy`` (softmax: its Jacobian-vector product ``J^T dE/dy``)."""
    if output == "softmax":
        return softmax_vjp(y, dE_dy)
    return get_activation(output).g_prime(a, y) * dE_dy


@dataclass(frozen=True)
class Objective:
    """An output non-linearity with its error: ``y = g_out(a)``, ``E^n`` and ``delta^L``."""

    output: str
    loss: str
    g_out: Callable
    error: Callable  # (a, t) -> E^n, shape (N,), from the output pre-activation a = a^L
    dE_dy: Callable  # (y, t) -> dE^n/dy, shape (N, K)
    canonical: bool  # delta^L = y - t

    def delta(self, a, y, t):
        """Output delta ``delta^L = dE^n/da^L``: ``y - t`` for canonical pairs, else the general rule."""
        if self.canonical:
            return y - t
        return general_output_delta(self.output, a, y, self.dE_dy(y, t))


_G_OUT = {"softmax": softmax, "sigmoid": sigmoid, "identity": lambda a: a}
_CROSS_ENTROPY = {
    "softmax": (cross_entropy_softmax, cross_entropy_softmax_dy),
    "sigmoid": (cross_entropy_sigmoid, cross_entropy_sigmoid_dy),
}


def get_objective(output: str, loss: str) -> Objective:
    """The :class:`Objective` for an output (softmax, sigmoid, identity) and a loss (cross_entropy, mse)."""
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}; expected one of {OUTPUTS}")
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")
    canonical = (output, loss) in CANONICAL_PAIRS
    if loss == "mse":
        g_out = _G_OUT[output]
        return Objective(output, loss, g_out, lambda a, t: sum_of_squares(g_out(a), t), sum_of_squares_dy, canonical)
    if output == "identity":
        raise ValueError(
            "loss='cross_entropy' needs outputs that are probabilities: use output='softmax' or "
            "'sigmoid', or loss='mse' for a linear (identity) output"
        )
    error, dE_dy = _CROSS_ENTROPY[output]
    return Objective(output, loss, _G_OUT[output], error, dE_dy, canonical)
