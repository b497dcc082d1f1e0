"""Chapter 6, backpropagation: the cost of a gradient, backpropagation against central differences.

For a network with ``W`` weights and biases, one forward pass costs ``O(W)`` multiply-accumulates
per sample. Backpropagation gets all ``W`` derivatives from one forward and one backward pass,
``O(W)`` in all; central differences need two forward passes *per weight*, ``2 W`` passes of
``O(W)`` each, so ``O(W^2)``. The counts are :func:`dlcore.counting.gradient_macs`; this module
measures the cost (:func:`time_gradients`), fits the exponent of a power law (:func:`loglog_slope`)
and draws the chapter's figures (:func:`plot_gradient_costs`, :func:`plot_network_signals`).

For the worked example by hand it also holds the 2-2-1 network (:func:`hand_network`), names every
number of its forward and backward pass (:func:`named_values`), and gives the local backward rules
of the add, multiply and max gates of a computational graph (:func:`gate_backward`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..checks import check_count, check_sizes
from ..counting import METHODS, n_parameters
from ..gradcheck import numerical_gradient, relative_error
from ..mlp import MLP
from ..plotting import COLUMN_WIDTH, column_figure
from ..timing import best_time

GATES = ("add", "mul", "max")

_LEGEND = {"backprop": "backpropagation", "finite_differences": "central differences"}


def _random_problem(sizes, n_samples, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, sizes[0]))
    T = rng.integers(0, sizes[-1], n_samples)
    return MLP(sizes, activation="tanh", seed=seed), X, T


def time_gradients(sizes_list, n_samples: int = 16, repeats: int = 5, fd_repeats: int = 1, seed: int = 0) -> dict:
    """Seconds for one full gradient of a tanh/softmax MLP by backprop and by central differences.

    For each ``sizes`` in ``sizes_list``: random data ``X (n_samples, d)``, labels and weights from
    ``seed``; the best of ``repeats`` (backprop) and ``fd_repeats`` (finite differences) runs.
    Returns numpy arrays of length ``len(sizes_list)``: ``n_weights``, ``backprop_s``,
    ``finite_differences_s``, ``loss_evaluations`` (calls of the loss by central differences,
    counted) and ``relative_error`` (largest over the parameters: the two gradients must agree).
    """
    if not (isinstance(sizes_list, (list, tuple)) and sizes_list):
        raise ValueError(f"sizes_list must be a non-empty list of layer-size lists; got {sizes_list!r}")
    n_samples, repeats = check_count("n_samples", n_samples), check_count("repeats", repeats)
    fd_repeats = check_count("fd_repeats", fd_repeats)
    keys = ("n_weights", "backprop_s", "finite_differences_s", "loss_evaluations", "relative_error")
    rows = {key: [] for key in keys}
    for sizes in sizes_list:
        model, X, T = _random_problem(check_sizes(sizes), n_samples, seed)
        calls = [0]

        def loss():
            calls[0] += 1
            return model.loss(X, T)

        arrays = model.W[1:] + model.b[1:]
        numeric = []
        rows["finite_differences_s"].append(best_time(lambda: numeric.append(numerical_gradient(loss, arrays)), fd_repeats))
        rows["backprop_s"].append(best_time(lambda: model.gradients(X, T), repeats))
        dW, db = model.gradients(X, T)
        rows["relative_error"].append(max(relative_error(a, b) for a, b in zip(dW[1:] + db[1:], numeric[-1])))
        rows["loss_evaluations"].append(calls[0] // fd_repeats)
        rows["n_weights"].append(n_parameters(sizes))
    return {key: np.asarray(values) for key, values in rows.items()}


def loglog_slope(x, y) -> float:
    """Exponent ``p`` of the least-squares fit ``log y = p log x + c`` (``y ~ x^p``); x, y positive ``(n,)``, n >= 2."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or len(x) < 2:
        raise ValueError(f"x and y must be 1-D of the same length >= 2; got shapes {x.shape} and {y.shape}")
    if np.any(x <= 0) or np.any(y <= 0) or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite and positive to fit a power law on log-log axes")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def plot_gradient_costs(timings: dict, counts: dict | None = None, axes=None):
    """Log-log cost against ``W``: counted multiply-adds (``counts`` with keys of :data:`METHODS`) and measured seconds.

    ``timings`` is the dict of :func:`time_gradients`; ``counts`` (optional) maps 'backprop' and
    'finite_differences' to arrays like ``timings['n_weights']``. ``axes`` None stacks the panels in a
    new column-wide figure. Returns the list of Axes drawn on.
    """
    W = np.asarray(timings["n_weights"], dtype=np.float64)
    panels = [("counted multiply-adds", counts)] if counts is not None else []
    panels.append(("measured time (s)", {"backprop": timings["backprop_s"],
                                         "finite_differences": timings["finite_differences_s"]}))
    stacked = axes is None
    if stacked:
        # one panel per row, as wide as the book's column
        axes = column_figure(len(panels), 1, row_height=3.2, squeeze=False, sharex=True)[1][:, 0]
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != len(panels):
        raise ValueError(f"need {len(panels)} Axes (one per panel), got {len(axes)}")
    for ax, (ylabel, series) in zip(axes, panels):
        for method, marker in zip(METHODS, ("o", "s")):
            values = np.asarray(series[method], dtype=np.float64)
            ax.loglog(W, values, marker=marker, label=f"{_LEGEND[method]} (slope {loglog_slope(W, values):.2f})")
        if not stacked or ax is axes[-1]:  # stacked panels share the x axis of the bottom one
            ax.set_xlabel("number of weights and biases $W$")
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper left")
    return axes


def plot_network_signals(z, delta, ax=None, title=None):
    """Diagram of one sample's forward outputs ``z^l`` (l = 0..L) and backward deltas ``delta^l`` (l = 1..L).

    ``z`` and ``delta`` are lists indexed by layer, as :mod:`dlcore.backprop` returns them: ``z[l]`` of
    shape ``(M_l,)`` or ``(1, M_l)`` for l = 0..L, ``delta[l]`` of the same shape for l = 1..L
    (``delta[0] = None``). Each unit is a circle showing ``z`` above and ``delta`` below; every pair of
    units in adjacent layers is joined by an edge (a weight ``w_ji^l``). Returns the Axes.
    """
    z = [np.ravel(np.asarray(v, dtype=np.float64)) for v in z]
    if len(delta) != len(z) or delta[0] is not None:
        raise ValueError(f"need lists z and delta indexed by layer l = 0..L with delta[0] = None; got {len(z)} "
                         f"entries of z and {len(delta)} of delta")
    delta = [None] + [np.ravel(np.asarray(v, dtype=np.float64)) for v in delta[1:]]
    if any(delta[l].shape != z[l].shape for l in range(1, len(z))):
        raise ValueError(f"delta[l] must have the size of z[l]; got z sizes {[len(v) for v in z]} and delta sizes "
                         f"{[len(d) for d in delta[1:]]} (l = 1..L)")
    ax = plt.subplots(figsize=(COLUMN_WIDTH, 4.8))[1] if ax is None else ax
    ys = [np.linspace(-(len(v) - 1) / 2, (len(v) - 1) / 2, len(v))[::-1] for v in z]
    for l in range(1, len(z)):
        for y_to in ys[l]:
            for y_from in ys[l - 1]:
                ax.plot([l - 1, l], [y_from, y_to], color="0.75", linewidth=0.8, zorder=1)
    box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
    for l, (values, y) in enumerate(zip(z, ys)):
        ax.scatter(np.full(len(y), l), y, s=200, color="white", edgecolors="black", zorder=2)
        for j, (value, yj) in enumerate(zip(values, y)):
            ax.text(l, yj + 0.15, f"$z^{l}_{j + 1} = {value:+.3f}$", ha="center", va="bottom",
                    bbox=box, zorder=3)
            if l > 0:
                ax.text(l, yj - 0.15, rf"$\delta^{l}_{j + 1} = {delta[l][j]:+.3f}$", ha="center", va="top",
                        color="#D55E00", bbox=box, zorder=3)
    ax.set_xticks(range(len(z)), [f"layer {l}" + (" (input)" if l == 0 else " (output)" if l == len(z) - 1 else "")
                                  for l in range(len(z))])
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlim(-0.5, len(z) - 0.5)
    ax.set_ylim(min(y.min() for y in ys) - 0.6, max(y.max() for y in ys) + 0.6)
    ax.grid(False)
    ax.set_title(title if title is not None else r"forward: $z^l$ (black), backward: $\delta^l$ (orange)")
    return ax


def hand_network():
    """The chapter's 2-2-1 network for backpropagation by hand: tanh hidden units, a linear output.

    Returns ``(W, b, x, t)``: lists ``W``, ``b`` indexed by layer (``W[1] = [[-0.5, 0.5], [1, -1]]``,
    ``W[2] = [[1, -1]]``, all biases 0), one sample ``x = [[1, 2]]`` ``(1, 2)`` and its target
    ``t = [[1]]`` ``(1, 1)`` for the sum-of-squares error ``E = (y - t)^2 / 2``.
    """
    W = [None, np.array([[-0.5, 0.5], [1.0, -1.0]]), np.array([[1.0, -1.0]])]
    b = [None, np.zeros(2), np.zeros(1)]
    return W, b, np.array([[1.0, 2.0]]), np.array([[1.0]])


def named_values(a, z, delta, dW, db, E=None) -> dict:
    """The numbers of one sample's forward and backward pass, by name: ``{'a^1_1': ..., 'dE/dw^2_11': ...}``.

    ``a``, ``z``, ``delta``, ``dW``, ``db`` are lists indexed by layer as :mod:`dlcore.backprop` returns
    them (one sample: ``a[l]`` of shape ``(1, M_l)``); units and inputs are numbered from 1, as in
    the lecture. Names: ``a^l_j``, ``z^l_j`` (l >= 1), ``delta^l_j``, ``dE/dw^l_ji``, ``dE/db^l_j``,
    and ``E`` when given. Values are Python floats.
    """
    if not (len(a) == len(z) == len(delta) == len(dW) == len(db)) or len(a) < 2:
        raise ValueError("a, z, delta, dW and db must be lists of the same length L + 1 >= 2, indexed by layer")
    values = {}
    for l in range(1, len(a)):
        rows = {"a": a[l], "z": z[l], "delta": delta[l], "dE/db": db[l]}
        for name, array in rows.items():
            flat = np.ravel(np.asarray(array, dtype=np.float64))
            if len(flat) != np.shape(dW[l])[0]:
                raise ValueError(f"{name}^{l} has {len(flat)} entries, but W^{l} has {np.shape(dW[l])[0]} rows; "
                                 "pass the lists of a single sample")
            values.update({f"{name}^{l}_{j + 1}": float(v) for j, v in enumerate(flat)})
        for (j, i), v in np.ndenumerate(np.asarray(dW[l], dtype=np.float64)):
            values[f"dE/dw^{l}_{j + 1}{i + 1}"] = float(v)
    if E is not None:
        values["E"] = float(E)
    return values


def gate_backward(op: str, inputs, upstream: float) -> tuple:
    """Gradients at the inputs of one gate of a computational graph: local derivative times upstream.

    ``op`` is 'add' (``u + v``: both inputs get ``upstream``), 'mul' (``u v``: each input gets the
    *other* input times ``upstream``) or 'max' (``max(u, v)``: the larger input gets ``upstream``, the
    other 0; at a tie the first one, a valid subgradient). ``inputs`` is the pair ``(u, v)``.
    Returns the pair ``(dE/du, dE/dv)``.
    """
    if op not in GATES:
        raise ValueError(f"op must be one of {GATES}; got {op!r}")
    if len(inputs) != 2:
        raise ValueError(f"a gate takes two inputs; got {len(inputs)}")
    u, v = (float(value) for value in inputs)
    upstream = float(upstream)
    if op == "add":
        return upstream, upstream
    if op == "mul":
        return v * upstream, u * upstream
    return (upstream, 0.0) if u >= v else (0.0, upstream)
