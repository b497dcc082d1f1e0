"""Chapter 5, the MLP: what its hidden units compute, pictured over the input plane and in hidden space.

For the first hidden layer, ``a^1 = x W^1.T + b^1`` and ``z^1 = g(a^1)`` (shapes ``(N, M_1)``): unit
``j`` is a ridge ``z_j^1(x) = g(w_j^1 . x + b_j^1)`` whose level set ``a_j^1 = 0`` is a line in a 2-D
input plane. In a two-layer network the output layer is a linear model on ``z^1``, so for two
classes its decision boundary in hidden space is the line (hyperplane) ``w . z + b = 0`` returned
by `output_line`. Functions take a fitted :class:`dlcore.MLP` (numpy or torch backend) and return
numpy arrays or matplotlib Axes; nothing calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..backend import to_numpy
from ..checks import check_count
from ..plotting import COLUMN_WIDTH, column_figure, plot_boundary, scatter_classes


def _points(name, X, n_features):
    X = np.asarray(to_numpy(X), dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != n_features or len(X) == 0:
        raise ValueError(f"{name} must have shape (N, {n_features}) with N >= 1; got shape {X.shape}")
    return X


def first_layer(model, X):
    """Hidden layer 1 on ``X`` ``(N, d)``: ``(a1, z1)``, each ``(N, M_1)``, ``a^1 = X W^1.T + b^1``, ``z^1 = g(a^1)``."""
    if model.n_layers < 2:
        raise ValueError("model has no hidden layer: sizes must be [d, M_1, ..., K] with at least one M")
    a, z = model.forward(_points("X", X, model.sizes[0]))
    return to_numpy(a[1]), to_numpy(z[1])


def hidden_unit_grid(model, X, resolution: int = 100, padding: float = 0.5):
    """``(x1, x2, A, Z)``: a ``(resolution, resolution)`` grid around ``X`` ``(N, 2)`` and ``a^1``, ``z^1`` as ``(M_1, res, res)``."""
    X = _points("X", X, 2)
    if model.sizes[0] != 2:
        raise ValueError(f"hidden units can be drawn over a plane only for 2 inputs; the model has {model.sizes[0]}")
    check_count("resolution", resolution, 2)
    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    x1, x2 = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    a1, z1 = first_layer(model, np.column_stack([x1.ravel(), x2.ravel()]))
    return x1, x2, a1.T.reshape(-1, *x1.shape), z1.T.reshape(-1, *x1.shape)


def plot_hidden_units(model, X, t=None, axes=None, resolution: int = 100, padding: float = 0.5):
    """One panel per hidden unit j: ``z_j^1(x)`` as an image over the plane around ``X`` ``(N, 2)``, its line ``a_j^1 = 0``.

    ``t`` (N,) draws the points by class; ``axes`` is None (a new column-wide figure, two panels per
    row) or M_1 Axes. The legend (the line ``a_j^1 = 0`` and the classes) goes below the panels, in the
    figure, so that it covers no data. Returns the array of Axes.
    """
    x1, x2, A, Z = hidden_unit_grid(model, X, resolution, padding)
    M = len(Z)
    if axes is None:
        nrows, ncols = -(-M // 2), min(M, 2)
        fig, grid = column_figure(nrows, ncols, row_height=3.0, squeeze=False)
        for ax in grid.ravel()[M:]:
            ax.remove()
        axes = grid.ravel()[:M]
    axes = np.asarray(axes, dtype=object).ravel()
    if len(axes) != M:
        raise ValueError(f"axes must hold one Axes per hidden unit ({M}); got {len(axes)}")
    limit = max(float(np.abs(Z).max()), 1e-12)
    low = -limit if Z.min() < 0 else 0.0
    for j, ax in enumerate(axes):
        image = ax.imshow(Z[j], origin="lower", extent=(x1.min(), x1.max(), x2.min(), x2.max()),
                          cmap="coolwarm", vmin=low, vmax=limit, aspect="auto")
        ax.contour(x1, x2, A[j], levels=[0.0], colors="black", linestyles="--", linewidths=1.2)
        ax.plot([], [], color="black", linestyle="--", label=f"$a_{{{j + 1}}}^{{1}} = 0$")
        if t is not None:
            scatter_classes(_points("X", X, 2), t, ax=ax, linewidths=0.6, s=30, zorder=3)
        ax.set(title=f"hidden unit {j + 1}: $z_{{{j + 1}}}^{{1}}(\\mathbf{{x}})$", xlabel="$x_1$", ylabel="$x_2$")
        ax.grid(False)
    figure = axes[-1].figure
    figure.colorbar(image, ax=list(axes), label="$z_j^1(\\mathbf{x})$", shrink=0.9)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=len(labels))
    return axes


def output_line(model):
    """``(w, b)`` with ``w`` ``(M_1,)``: a two-layer, two-class network says class 1 exactly where ``w . z^1 + b > 0``.

    sigmoid output (K = 1): ``a^2 = w . z + b``; softmax (K = 2): ``y_1 > y_0`` iff ``a_1^2 - a_0^2 > 0``.
    """
    output, K = model.objective.output, model.sizes[-1]
    if model.n_layers != 2:
        raise ValueError(f"output_line needs a two-layer network (one hidden layer); got {model.n_layers} layers")
    W2, b2 = to_numpy(model.W[2]), to_numpy(model.b[2])
    if output == "sigmoid" and K == 1:
        return W2[0].copy(), float(b2[0])
    if output == "softmax" and K == 2:
        return W2[1] - W2[0], float(b2[1] - b2[0])
    raise ValueError(f"output_line needs two classes: a sigmoid output with K = 1 or softmax with K = 2; got {output} with K = {K}")


def separation_margin(Z, t, w, b) -> float:
    """``min_n s_n (w . z_n + b) / ||w||`` with ``s_n = 2 t_n - 1``, for ``Z`` ``(N, M)`` and ``t`` ``(N,)`` in {0, 1}.

    Positive exactly when the hyperplane ``w . z + b = 0`` puts every point on its class's side; then it is
    the distance of the closest point to the hyperplane.
    """
    Z, w = np.asarray(Z, dtype=np.float64), np.asarray(w, dtype=np.float64)
    t = np.asarray(t)
    if Z.ndim != 2 or w.shape != (Z.shape[1],) or t.shape != (len(Z),):
        raise ValueError(f"expected Z (N, M), w (M,), t (N,); got Z {Z.shape}, w {w.shape}, t {t.shape}")
    if not np.isin(t, (0, 1)).all():
        raise ValueError(f"t must hold class labels 0 and 1; got values {np.unique(t)}")
    norm = np.linalg.norm(w)
    if norm == 0:
        raise ValueError("w must not be the zero vector: it does not define a line")
    return float(np.min((2 * t - 1) * (Z @ w + b)) / norm)


def plot_hidden_space(model, X, t, ax=None, title=None):
    """The points ``X`` ``(N, d)`` mapped to ``z^1`` (M_1 = 2 hidden units), by class, with the output's line ``w . z + b = 0``.

    ``ax`` None draws a new column-wide figure; the legend goes to the right of the panel.
    """
    _, Z = first_layer(model, X)
    if Z.shape[1] != 2:
        raise ValueError(f"hidden space can be drawn only for 2 hidden units; the model has {Z.shape[1]}")
    w, b = output_line(model)
    if ax is None:
        ax = plt.subplots(figsize=(COLUMN_WIDTH, 4.0), layout="constrained")[1]
    scatter_classes(Z, t, ax=ax, linewidths=0.6, s=30, zorder=3)
    low, high = Z.min(axis=0) - 0.3, Z.max(axis=0) + 0.3
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xlabel="$z_1^1$", ylabel="$z_2^1$",
           title=title or "inputs mapped to hidden space $z^1$")
    plot_boundary(np.r_[b, w], ax=ax, color="black", linestyle="--", label="output: $w^2 \\cdot z + b^2 = 0$")
    # outside, right of the panel: inside, it could cover one of the few points (constrained layout
    # makes room for it)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return ax
