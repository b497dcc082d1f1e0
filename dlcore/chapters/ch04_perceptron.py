"""Chapter 4, the perceptron: threshold units, the perceptron criterion, margins and boundary pictures.

A weight vector ``w = (w_0, w_1, w_2)`` on ``phi(x) = [1, x]`` (``w[0]`` is the bias, as in
`dlcore.Perceptron`) has the boundary ``w^T phi(x) = 0``, a line in the plane, drawn by
`dlcore.plotting.plot_boundary`. This module draws the signed points, the two half-planes and a
panel of boundaries across a perceptron's ``weight_history`` (`plot_boundary_panel`), and computes
what the chapter checks: McCulloch–Pitts threshold units and their truth tables, the perceptron
criterion ``E_P`` and its gradient, the margin ``gamma`` and radius ``R`` of Novikoff's bound
``(R / gamma)^2`` and the max-margin separator (linear separability itself is
`dlcore.separability.is_linearly_separable`). Targets are signed, ``t`` in {-1, +1}; ``Phi`` is ``(N, M)``.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize

from ..checks import check_count, check_signed_targets, check_X
from ..plotting import CLASS_COLOURS, column_figure, plot_boundary, scatter_classes
from ..separability import feasible_weights


# ---------------------------------------------------------------- McCulloch–Pitts units
def threshold_unit(X, w, theta) -> np.ndarray:
    """McCulloch–Pitts unit (eq. perceptron-mp-unit): ``z = 1`` if ``sum_i w_i x_i >= theta`` else 0; X (N, d) -> (N,) int."""
    X = check_X(X)
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (X.shape[1],):
        raise ValueError(f"w must have shape ({X.shape[1]},) to match X of shape {X.shape}; got {w.shape}")
    return (X @ w >= theta).astype(np.int64)


def truth_table(unit, n_inputs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """All ``2^n`` binary inputs X (2^n, n) in lexicographic order and the unit's outputs ``unit(X)`` (2^n,)."""
    X = np.array(list(itertools.product((0.0, 1.0), repeat=check_count("n_inputs", n_inputs))))
    return X, np.asarray(unit(X))


# ---------------------------------------------------------------- the perceptron criterion
def _check_signed(Phi, t, w=None):
    Phi = check_X(Phi, name="Phi")
    t = check_signed_targets(t, len(Phi))
    if w is None:
        return Phi, t
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (Phi.shape[1],):
        raise ValueError(f"w must have shape ({Phi.shape[1]},) to match Phi of shape {Phi.shape}; got {w.shape}")
    return Phi, t, w


def misclassified(w, Phi, t) -> np.ndarray:
    """Boolean mask (N,) of the set M: samples with ``t_n w^T phi_n <= 0`` (on the boundary counts, as in dlcore)."""
    Phi, t, w = _check_signed(Phi, t, w)
    return t * (Phi @ w) <= 0


def perceptron_criterion(w, Phi, t) -> float:
    """Perceptron criterion (eq. perceptron-criterion): ``E_P(w) = -sum_{n in M} w^T phi_n t_n`` >= 0; Phi (N, M), t (N,)."""
    Phi, t, w = _check_signed(Phi, t, w)
    a_t = t * (Phi @ w)
    return float(-np.sum(a_t[a_t <= 0])) + 0.0  # + 0.0 turns a -0.0 (no strict mistakes) into 0.0


def perceptron_criterion_gradient(w, Phi, t) -> np.ndarray:
    """Gradient of ``E_P`` where it exists: ``-sum_{n in M} phi_n t_n``, shape (M,)."""
    Phi, t, w = _check_signed(Phi, t, w)
    wrong = t * (Phi @ w) <= 0
    return -(t[wrong] @ Phi[wrong])


# ---------------------------------------------------------------- margins and Novikoff's bound
def radius(Phi) -> float:
    """``R = max_n ||phi_n||`` over the rows of Phi (N, M)."""
    return float(np.linalg.norm(check_X(Phi, name="Phi"), axis=1).max())


def margin(w, Phi, t) -> float:
    """Margin of ``w``: ``gamma(w) = min_n t_n w^T phi_n / ||w||`` (> 0 exactly when w separates the data)."""
    Phi, t, w = _check_signed(Phi, t, w)
    norm = np.linalg.norm(w)
    if norm == 0:
        raise ValueError("w = 0 has no boundary and no margin")
    return float(np.min(t * (Phi @ w)) / norm)


def novikoff_bound(Phi, t, w_separator) -> float:
    """Novikoff's bound (eq. perceptron-novikoff) ``(R / gamma(w))^2`` on the number of updates, for a separating ``w``."""
    gamma = margin(w_separator, Phi, t)
    if gamma <= 0:
        raise ValueError(f"w_separator does not separate the data (its margin is {gamma:.3g} <= 0): no bound follows")
    return (radius(Phi) / gamma) ** 2


def max_margin_weights(Phi, t) -> np.ndarray:
    """Unit ``w`` (M,) of largest margin ``gamma``: min ``||w||^2`` s.t. ``t_n w^T phi_n >= 1``, normalised (``w_0`` counts in the norm)."""
    Phi, t = _check_signed(Phi, t)
    start = feasible_weights(t[:, None] * Phi)
    if start is None:
        raise ValueError("the data are not linearly separable: no separator, so no max-margin separator")
    constraint = {"type": "ineq", "fun": lambda w: t * (Phi @ w) - 1.0, "jac": lambda w: t[:, None] * Phi}
    result = minimize(lambda w: w @ w, start, jac=lambda w: 2 * w, constraints=[constraint], method="SLSQP",
                      options={"ftol": 1e-12, "maxiter": 500})
    w = result.x if result.success and margin(result.x, Phi, t) > 0 else start
    return w / np.linalg.norm(w)


def signed_logistic_loss(w, Phi, t) -> float:
    """Cross-entropy of logistic regression with signed targets: ``sum_n ln(1 + exp(-t_n w^T phi_n))``."""
    Phi, t, w = _check_signed(Phi, t, w)
    return float(np.sum(np.logaddexp(0.0, -t * (Phi @ w))))


# ---------------------------------------------------------------- drawing boundaries
def plot_signed_points(X, t, ax=None, padding: float = 0.5):
    """Scatter X (N, 2) coloured by signed targets t (N,) in {-1, +1}; set the limits to the data plus padding."""
    X = check_X(X, 2)
    t = check_signed_targets(t, len(X))
    ax = scatter_classes(X, t, ax=ax, classes=(-1, 1), markers=("o", "s"), label="$t = {:+.0f}$")
    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def shade_regions(w, ax, resolution: int = 200):
    """Shade the half-planes ``f(w^T phi(x)) = -1`` and ``+1`` of ``w`` (3,) over ``ax``'s current limits (kept).

    Works for any ``w``, also ``w_1 = w_2 = 0`` (one region everywhere) and lines outside the view.
    Returns the Axes.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (3,):
        raise ValueError(f"w must be (w_0, w_1, w_2) with the bias first, shape (3,); got {w.shape}")
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    x1, x2 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    y = np.where(w[0] + w[1] * x1 + w[2] * x2 >= 0, 1.0, -1.0)
    ax.contourf(x1, x2, y, levels=[-2.0, 0.0, 2.0], colors=[CLASS_COLOURS[0], CLASS_COLOURS[1]], alpha=0.15)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return ax


def plot_boundary_panel(weight_history, X, t, epochs, mistakes_per_epoch=None, axes=None):
    """One panel per epoch e (1-based) in ``epochs``: the points, the regions and the boundary of ``weight_history[e - 1]``.

    ``weight_history`` is a list of (3,) weights after each epoch (as `Perceptron.weight_history`);
    ``mistakes_per_epoch`` (optional) goes into the titles. Returns the array of Axes.
    """
    epochs = [int(e) for e in epochs]
    if not epochs or min(epochs) < 1 or max(epochs) > len(weight_history):
        raise ValueError(f"epochs must lie in [1, {len(weight_history)}] (1-based); got {epochs}")
    if axes is None:  # at most two panels per row, as wide as the book's column
        ncols = min(2, len(epochs))
        grid = column_figure(-(-len(epochs) // ncols), ncols, row_height=2.9)[1]
        grid = np.atleast_1d(np.asarray(grid, dtype=object)).ravel()
        for spare in grid[len(epochs):]:
            spare.axis("off")
        axes = grid[:len(epochs)]
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if len(axes) != len(epochs):
        raise ValueError(f"need one Axes per epoch: {len(epochs)} epochs but {len(axes)} Axes")
    for ax, epoch in zip(axes, epochs):
        w = np.asarray(weight_history[epoch - 1], dtype=np.float64)
        plot_signed_points(X, t, ax=ax)
        shade_regions(w, ax)
        if np.any(w[1:] != 0):
            plot_boundary(w, ax=ax, color="black")
        title = f"after epoch {epoch}"
        if mistakes_per_epoch is not None:
            title += f"\n{mistakes_per_epoch[epoch - 1]} mistakes in it"
        ax.set_title(title)
    return axes


# ---------------------------------------------------------------- starting away from w = 0
def perceptron_from(Phi, t, w_start, eta: float = 1.0, max_epochs: int = 100) -> tuple[np.ndarray, list[int]]:
    """The perceptron rule (eq. perceptron-update) in the rows' order, started at ``w_start`` (M,): ``(w, mistakes_per_epoch)``.

    Stops after the first epoch without a mistake or after ``max_epochs``; a sample with
    ``t_n w^T phi_n = 0`` counts as a mistake, as in `dlcore.Perceptron`.
    """
    Phi, t, w = _check_signed(Phi, t, w_start)
    if not np.isfinite(eta) or eta <= 0:
        raise ValueError(f"eta (the learning rate) must be a positive number, got {eta!r}")
    w, mistakes = w.copy(), []
    for _ in range(check_count("max_epochs", max_epochs)):
        mistakes.append(0)
        for phi_n, t_n in zip(Phi, t):
            if t_n * (w @ phi_n) <= 0:
                w += eta * t_n * phi_n
                mistakes[-1] += 1
        if mistakes[-1] == 0:
            break
    return w, mistakes
