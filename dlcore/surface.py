"""Numerics behind the error-surface pictures: E(w) on a grid of two weights, and descent paths.

`error_grid` evaluates an error function E(w), w = (w1, w2), on a grid laid
out for matplotlib's ``contour(w1_values, w2_values, grid)``;
`gradient_descent_path` records the iterates of plain gradient descent so that
they can be drawn on top of that grid (see `dlcore.plotting.plot_error_surface`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def _as_axis(name: str, values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {values.shape}")
    return values


def error_grid(E: Callable[[np.ndarray], float], w1_values, w2_values) -> np.ndarray:
    """E evaluated on the grid: result[i, j] = E(np.array([w1_values[j], w2_values[i]])).

    w1_values (n1,) and w2_values (n2,) give the (n2, n1) float64 array that
    ``contour(w1_values, w2_values, grid)`` expects (rows follow w2, columns w1).
    """
    w1_values = _as_axis("w1_values", w1_values)
    w2_values = _as_axis("w2_values", w2_values)
    return np.array([[float(E(np.array([w1, w2]))) for w1 in w1_values] for w2 in w2_values])


def gradient_descent_path(
    grad: Callable[[np.ndarray], np.ndarray], w0, eta: float, n_steps: int
) -> np.ndarray:
    """Iterates of gradient descent, w^t = w^(t-1) - eta * grad E(w^(t-1)), starting at w0 (D,).

    Returns an array (n_steps + 1, D) whose row t is w^t. If an iterate becomes
    non-finite (divergence, e.g. eta > 2 / lambda_max on a quadratic), the path
    stops before it and only the finite rows are returned.
    """
    w = np.asarray(w0, dtype=np.float64)
    if w.ndim != 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"w0 must be a finite 1-D array, got shape {w.shape} with values {w!r}")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta must be a finite number > 0, got {eta!r}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ValueError(f"n_steps must be an integer >= 0, got {n_steps!r}")

    path = [w]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            g = np.asarray(grad(w), dtype=np.float64)
            if g.shape != w.shape:
                raise ValueError(f"grad(w) must have the shape of w, {w.shape}, got {g.shape}")
            w = w - eta * g
            if not np.all(np.isfinite(w)):
                break
            path.append(w)
    return np.array(path)
