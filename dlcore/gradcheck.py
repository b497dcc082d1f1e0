"""Gradient checking by central differences.

``dE/dw ~ (E(w + eps) - E(w - eps)) / (2 eps)`` for each entry of each parameter array, with
error ``O(eps^2)``. Backpropagation is correct where it agrees with this to a small relative error
(about 1e-7 or less in float64 with ``eps = 1e-6``).
"""

from __future__ import annotations

import itertools

import numpy as np

from .backend import to_numpy


def numerical_gradient(f, arrays, eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of the scalar ``f()`` with respect to each array in ``arrays``.

    The arrays (numpy or torch) are perturbed in place, one entry at a time, and restored.
    Returns numpy arrays of the same shapes.
    """
    grads = []
    for w in arrays:
        g = np.zeros(tuple(w.shape))
        for index in itertools.product(*(range(n) for n in w.shape)):
            original = float(w[index])
            w[index] = original + eps
            f_plus = float(f())
            w[index] = original - eps
            f_minus = float(f())
            w[index] = original
            g[index] = (f_plus - f_minus) / (2 * eps)
        grads.append(g)
    return grads


def relative_error(analytic, numeric) -> float:
    """``max |analytic - numeric| / max(|analytic|, |numeric|)`` over an array (0 if both are 0)."""
    analytic, numeric = to_numpy(analytic).astype(np.float64), to_numpy(numeric).astype(np.float64)
    scale = max(np.max(np.abs(analytic), initial=0.0), np.max(np.abs(numeric), initial=0.0))
    return 0.0 if scale == 0 else float(np.max(np.abs(analytic - numeric)) / scale)


def check_gradients(model, X, T, eps: float = 1e-6) -> dict[str, float]:
    """Relative error of ``model.gradients(X, T)`` against central differences of ``model.loss``.

    Returns ``{'W1': err, 'b1': err, ..., 'WL': err, 'bL': err}``.
    """
    dW, db = model.gradients(X, T)
    layers = range(1, len(model.W))
    analytic = [g for l in layers for g in (dW[l], db[l])]
    arrays = [p for l in layers for p in (model.W[l], model.b[l])]
    numeric = numerical_gradient(lambda: model.loss(X, T), arrays, eps)
    names = [f"{kind}{l}" for l in layers for kind in ("W", "b")]
    return {name: relative_error(a, n) for name, a, n in zip(names, analytic, numeric)}
