"""What a network costs: its number of parameters and the multiply-accumulates of its passes.

``sizes = [M_0 = d, M_1, ..., M_L = K]``. Layer ``l`` holds ``W^l`` ``(M_l, M_(l-1))`` and ``b^l``
``(M_l,)``; on a batch of N rows its product ``z^(l-1) W^l.T`` costs ``N M_(l-1) M_l``
multiply-accumulates (MACs), one MAC being two floating-point operations (flops). Biases and the
elementwise ``g`` are left out of the cost: they are ``O(N M_l)`` against ``O(N M_(l-1) M_l)``.
:func:`counted_matmul_flops` checks these formulas against the products dlcore really executes.
"""

from __future__ import annotations

import numpy as np

from .backprop import backprop_deltas, forward, weight_gradients
from .checks import check_count, check_same_length, check_sizes, check_targets, check_X

METHODS = ("backprop", "finite_differences")


def n_parameters(sizes) -> int:
    """``W = sum_l M_l (M_(l-1) + 1)``: the number of weights and biases of ``MLP(sizes)`` (eq. deep-param-count)."""
    sizes = check_sizes(sizes)
    return sum(m * (m_prev + 1) for m_prev, m in zip(sizes[:-1], sizes[1:]))


def model_parameter_count(model) -> int:
    """The number of entries of a model's arrays ``W[l]`` and ``b[l]``, ``l = 1..L``, counted from their shapes."""
    return sum(int(np.prod(model.W[l].shape)) + int(np.prod(model.b[l].shape)) for l in range(1, len(model.W)))


def forward_macs(sizes, n_samples: int = 1) -> np.ndarray:
    """MACs of each layer's ``z^(l-1) W^l.T`` on ``n_samples`` rows, ``N M_(l-1) M_l`` (eq. deep-macs): shape ``(L,)``."""
    sizes, N = check_sizes(sizes), check_count("n_samples (the batch size N)", n_samples)
    return np.array([N * m_prev * m for m_prev, m in zip(sizes[:-1], sizes[1:])], dtype=np.int64)


def gradient_macs(sizes, n_samples: int = 1, method: str = "backprop") -> int:
    """MACs of one gradient on ``n_samples`` rows (eq. bp-cost), by backpropagation or by central differences.

    A forward pass costs ``F = N sum_l M_l M_(l-1)``. ``'backprop'``: the forward pass, the recursion's
    ``delta^l W^l`` for l = L..2 and ``delta^l.T z^(l-1)`` for l = 1..L, so ``3 F - N M_1 d``.
    ``'finite_differences'``: two forward passes per parameter, ``2 W F``.
    """
    macs = forward_macs(sizes, n_samples)
    if method == "backprop":
        return int(3 * macs.sum() - macs[0])
    if method == "finite_differences":
        return int(2 * n_parameters(sizes) * macs.sum())
    raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")


def sgd_step_flops(sizes, n_samples: int = 1) -> int:
    """Flops of the matrix products of one SGD step on ``n_samples`` rows: ``2 * gradient_macs(sizes, n_samples)``.

    Per sample that is ``2 (2 sum_l M_(l-1) M_l + sum_(l>=2) M_(l-1) M_l)``: forward and weight gradient
    for every layer, the backpropagated delta for all but the first.
    """
    return 2 * gradient_macs(sizes, n_samples, "backprop")


class FlopCount:
    """A running total of the flops of the matrix products taken by the arrays of one :meth:`track` call."""

    def __init__(self):
        self.flops = 0

    def track(self, x) -> "CountingArray":
        """``x`` as a numpy float array that adds ``2 m k n`` to this count for every ``(m, k) @ (k, n)`` it enters."""
        counting = np.asarray(x, dtype=np.float64).view(CountingArray)
        counting.count = self
        return counting


class CountingArray(np.ndarray):
    """A numpy array that tells its :class:`FlopCount` (``.count``) of every matrix product it takes part in.

    The count travels with the array into the results of its operations, so a whole forward and backward
    pass on tracked inputs is counted; each :class:`FlopCount` has its own total.
    """

    def __array_finalize__(self, obj):
        self.count = getattr(obj, "count", None)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        count = next((x.count for x in inputs if isinstance(x, CountingArray) and x.count is not None), None)
        plain = [np.asarray(x) for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(np.asarray(o) for o in out)
        if ufunc is np.matmul and method == "__call__" and count is not None:
            (m, k), n = plain[0].shape, plain[1].shape[-1]
            count.flops += 2 * m * k * n
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if not isinstance(result, np.ndarray):
            return result
        result = result.view(CountingArray)
        result.count = count
        return result


def counted_matmul_flops(model, X, T=None) -> int:
    """Flops of the matrix products that dlcore executes on the batch ``X`` ``(N, d)``, counted as they run.

    Runs :func:`dlcore.backprop.forward` (and, given targets ``T``, ``backprop_deltas`` and
    ``weight_gradients``: one SGD step's gradient) on arrays that count ``2 m k n`` for every
    ``(m, k) @ (k, n)`` product. Needs a numpy model (``device='cpu'``).
    """
    if not model.backend.is_numpy:
        raise ValueError("counted_matmul_flops counts numpy products: build the MLP with device='cpu'")
    count = FlopCount()
    X = count.track(check_X(X, model.sizes[0]))
    W = [None] + [count.track(W_l) for W_l in model.W[1:]]
    b = [None] + [count.track(b_l) for b_l in model.b[1:]]
    a, z = forward(X, W, b, model.activation.g, model.objective.g_out)
    if T is not None:
        T = count.track(check_targets(T, model.sizes[-1], model.objective.output))
        check_same_length(X, T)
        L = len(W) - 1
        delta = backprop_deltas(model.objective.delta(a[L], z[L], T), a, z, W, model.activation.g_prime)
        weight_gradients(delta, z)
    return count.flops
