"""Figures used across the chapters: points by class, linear boundaries, decision regions, error
surfaces and learning curves.

Every function draws on a given matplotlib Axes (or makes a new figure when
``ax`` is None) and returns the Axes; nothing calls ``plt.show()``, so the
functions work with any backend, Agg included. `use_course_style` sets the
shared look; `CLASS_COLOURS` is the colour-blind-safe palette (Okabe & Ito).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.ticker import MaxNLocator
from scipy.interpolate import RegularGridInterpolator

from .checks import check_count, check_sizes

CLASS_COLOURS = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
_PATH_COLOURS = CLASS_COLOURS[1:]  # blue is hard to see on the viridis error surface

# The book's text column is about 680 px wide at 1280 px; figures are drawn at 100 dpi (the notebook's
# inline backend), so a figure COLUMN_WIDTH inches wide is shown at its natural size, never shrunk.
COLUMN_WIDTH = 6.8
DPI = 100
# Smallest text in a figure, in points: 12 pt at 100 dpi is 16.7 px, whose x-height (DejaVu Sans) is
# that of the book's body text (tests/test_browser.py measures both).
MIN_FONT_SIZE = 12

_COURSE_STYLE = {
    "figure.figsize": (COLUMN_WIDTH, 4.2),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,  # the default 0.1 in makes a column-wide figure 690 px
    "font.size": MIN_FONT_SIZE,
    "axes.titlesize": MIN_FONT_SIZE + 1,
    "figure.titlesize": MIN_FONT_SIZE + 1,
    "axes.labelsize": MIN_FONT_SIZE,
    "xtick.labelsize": MIN_FONT_SIZE,
    "ytick.labelsize": MIN_FONT_SIZE,
    "legend.fontsize": MIN_FONT_SIZE,
    "legend.title_fontsize": MIN_FONT_SIZE,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=CLASS_COLOURS),
    "image.cmap": "viridis",
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
}


def use_course_style() -> None:
    """Set the course's matplotlib rcParams (figures as wide as the book's column, fonts, grid, palette)."""
    plt.rcParams.update(_COURSE_STYLE)


def column_figure(nrows: int = 1, ncols: int = 1, row_height: float = 3.4, **subplots_kwargs):
    """A figure as wide as the book's column with an ``nrows`` x ``ncols`` grid of Axes; returns (fig, axes).

    Panels that would be too narrow for their labels go on more rows, not into a wider figure.
    """
    check_count("nrows", nrows)
    check_count("ncols", ncols)
    subplots_kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, figsize=(COLUMN_WIDTH, row_height * nrows), **subplots_kwargs)


def _class_colour(k: int) -> str:
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


def _new_axes_if_none(ax):
    return plt.subplots()[1] if ax is None else ax


def _as_points_2d(name: str, points) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2), got {points.shape}")
    return points


def _label_function(predict):
    """The callable behind ``predict``: its ``.predict`` method if it has one, else ``predict`` itself."""
    function = getattr(predict, "predict", predict)
    if not callable(function):
        raise TypeError(f"predict must be callable or have a .predict method, got {type(predict).__name__}")
    return function


def scatter_classes(X, t, ax=None, classes=None, markers="o", label="$t = {}$", **scatter_kwargs):
    """Scatter the points X (N, 2) one class at a time: class ``classes[i]`` in ``CLASS_COLOURS[i]``.

    ``t`` (N,) holds the targets; ``classes`` lists the target values in colour order (default
    ``0, ..., max(t)``; signed targets use ``(-1, 1)``). ``markers`` is one marker or one per class;
    ``label`` is formatted with the class value. Classes without points are skipped. Other keyword
    arguments go to ``ax.scatter``. Returns the Axes.
    """
    X = _as_points_2d("X", X)
    t = np.asarray(t)
    if t.shape != (len(X),):
        raise ValueError(f"t must have shape ({len(X)},) to match X, got {t.shape}")
    classes = list(range(int(t.max()) + 1) if len(t) else []) if classes is None else list(classes)
    markers = [markers] * len(classes) if isinstance(markers, str) else list(markers)
    ax = _new_axes_if_none(ax)
    style = {"edgecolors": "black", "linewidths": 0.5, "s": 25} | scatter_kwargs
    for i, (value, marker) in enumerate(zip(classes, markers)):
        members = t == value
        if members.any():
            ax.scatter(X[members, 0], X[members, 1], color=_class_colour(i), marker=marker,
                       label=label.format(value), **style)
    return ax


def boundary_segment(w, xlim, ylim) -> np.ndarray:
    """Two points (2, 2) on the line ``w_0 + w_1 x_1 + w_2 x_2 = 0`` spanning the box ``xlim`` x ``ylim``.

    ``w = (w_0, w_1, w_2)`` has the bias first, as on ``phi(x) = [1, x]``. Steep lines are
    parametrised by ``x_2``, flat ones by ``x_1``, so any line but ``w_1 = w_2 = 0`` works.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (3,):
        raise ValueError(f"w must be (w_0, w_1, w_2) with the bias first, shape (3,); got {w.shape}")
    if w[1] == 0 and w[2] == 0:
        raise ValueError("w_1 = w_2 = 0: the boundary w^T phi(x) = 0 is not a line")
    if abs(w[2]) >= abs(w[1]):
        x1 = np.asarray(xlim, dtype=np.float64)
        return np.column_stack([x1, -(w[0] + w[1] * x1) / w[2]])
    x2 = np.asarray(ylim, dtype=np.float64)
    return np.column_stack([-(w[0] + w[2] * x2) / w[1], x2])


def plot_boundary(w, ax=None, normal: bool = False, **line_kwargs):
    """Draw the boundary ``w^T phi(x) = 0`` of ``w`` (3,) across ``ax``'s current limits (kept); optionally the normal.

    The arrow of ``normal=True`` points along ``(w_1, w_2)``, towards the side where ``w^T phi(x) > 0``.
    ``line_kwargs`` go to ``ax.plot`` (label, colour, style). Returns the Axes.
    """
    ax = _new_axes_if_none(ax)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    ends = boundary_segment(w, xlim, ylim)
    line = ax.plot(ends[:, 0], ends[:, 1], **line_kwargs)[0]
    if normal:
        w = np.asarray(w, dtype=np.float64)
        centre = np.array([np.mean(xlim), np.mean(ylim)])
        direction = w[1:] / np.linalg.norm(w[1:])
        foot = centre - (w[0] + w[1:] @ centre) / (w[1:] @ w[1:]) * w[1:]  # closest point of the line
        length = 0.15 * min(np.ptp(xlim), np.ptp(ylim))
        ax.annotate("", xy=foot + length * direction, xytext=foot,
                    arrowprops={"arrowstyle": "->", "color": line.get_color(), "lw": 1.5})
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return ax


def plot_decision_regions(predict, X, t, ax=None, resolution: int = 200, padding: float = 0.5, title=None):
    """Filled class regions of ``predict`` over X (N, 2) with padding, and the points t (N,) on top.

    ``predict`` maps an (M, 2) array to integer labels (M,); it may also be an
    object with a ``.predict`` method (scikit-learn style). Returns the Axes.
    """
    X = _as_points_2d("X", X)
    t = np.asarray(t)
    if t.shape != (len(X),):
        raise ValueError(f"t must have shape ({len(X)},) to match X, got {t.shape}")
    check_count("resolution", resolution, 2)
    label_of = _label_function(predict)
    ax = _new_axes_if_none(ax)

    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    x1, x2 = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid_points = np.column_stack([x1.ravel(), x2.ravel()])
    labels = np.asarray(label_of(grid_points))
    if labels.size != len(grid_points):
        raise ValueError(f"predict must return {len(grid_points)} labels for {len(grid_points)} points, got shape {labels.shape}")
    labels = np.rint(labels).astype(np.int64).reshape(x1.shape)

    t = t.astype(np.int64)
    n_classes = int(max(labels.max(), t.max())) + 1
    colours = [_class_colour(k) for k in range(n_classes)]
    ax.contourf(x1, x2, labels, levels=np.arange(n_classes + 1) - 0.5, colors=colours, alpha=0.3)
    scatter_classes(X, t, ax=ax, classes=range(n_classes))

    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="best")
    if title is not None:
        ax.set_title(title)
    return ax


def _validated_paths(paths, labels) -> list[np.ndarray]:
    paths = [] if paths is None else [_as_points_2d(f"paths[{i}]", path) for i, path in enumerate(paths)]
    if labels is not None and len(labels) != len(paths):
        raise ValueError(f"labels must give one label per path: expected {len(paths)}, got {len(labels)}")
    return paths


def _heights_on_grid(w1_values, w2_values, E_grid, path) -> np.ndarray:
    """E at the path points (T,), bilinearly interpolated from the grid; points outside are clamped to its edge."""
    interpolate = RegularGridInterpolator((w2_values, w1_values), E_grid)
    w1 = np.clip(path[:, 0], w1_values.min(), w1_values.max())
    w2 = np.clip(path[:, 1], w2_values.min(), w2_values.max())
    return interpolate(np.column_stack([w2, w1]))


def _draw_contour(ax, w1_values, w2_values, E_grid) -> None:
    filled = ax.contourf(w1_values, w2_values, E_grid, levels=30, cmap="viridis")
    ax.contour(w1_values, w2_values, E_grid, levels=filled.levels[::3], colors="white", linewidths=0.5, alpha=0.7)
    ax.figure.colorbar(filled, ax=ax, label="error $E(\\mathbf{w})$")
    ax.grid(False)


def _draw_surface(ax, w1_values, w2_values, E_grid) -> None:
    w1, w2 = np.meshgrid(w1_values, w2_values)
    ax.plot_surface(w1, w2, E_grid, cmap="viridis", alpha=0.7, linewidth=0, antialiased=True)
    ax.set_zlabel("$E(\\mathbf{w})$")


def plot_error_surface(w1_values, w2_values, E_grid, paths=None, kind: str = "contour", ax=None, labels=None):
    """Draw E_grid (n2, n1) over w1_values (n1,) x w2_values (n2,): rows follow w2, columns w1.

    ``kind="contour"``: filled contours, contour lines and a colour bar;
    ``kind="3d"``: a surface on a 3-D Axes (made if ``ax`` is None). ``paths``
    are (T, 2) arrays of weights, drawn as lines with markers and a star at
    the start, named by ``labels``. On the 3-D plot a path's heights are
    bilinearly interpolated from E_grid (points off the grid take the value at
    its nearest edge), so the grid axes must be increasing. Returns the Axes.
    """
    w1_values = np.asarray(w1_values, dtype=np.float64)
    w2_values = np.asarray(w2_values, dtype=np.float64)
    E_grid = np.asarray(E_grid, dtype=np.float64)
    if w1_values.ndim != 1 or w2_values.ndim != 1 or E_grid.shape != (len(w2_values), len(w1_values)):
        raise ValueError(
            f"E_grid must have shape (len(w2_values), len(w1_values)) = ({w2_values.size}, {w1_values.size}) "
            f"for 1-D w1_values and w2_values, got {E_grid.shape}"
        )
    if kind not in ("contour", "3d"):
        raise ValueError(f"kind must be 'contour' or '3d', got {kind!r}")
    paths = _validated_paths(paths, labels)

    if kind == "contour":
        ax = _new_axes_if_none(ax)
        _draw_contour(ax, w1_values, w2_values, E_grid)
    else:
        ax = plt.figure().add_subplot(projection="3d") if ax is None else ax
        if ax.name != "3d":
            raise ValueError(f"kind='3d' needs a 3-D Axes (projection='3d'), got a {ax.name!r} Axes")
        if np.any(np.diff(w1_values) <= 0) or np.any(np.diff(w2_values) <= 0):
            raise ValueError("kind='3d' needs strictly increasing w1_values and w2_values")
        _draw_surface(ax, w1_values, w2_values, E_grid)

    for i, path in enumerate(paths):
        coordinates = [path[:, 0], path[:, 1]]
        if kind == "3d":
            coordinates.append(_heights_on_grid(w1_values, w2_values, E_grid, path))
        colour = _PATH_COLOURS[i % len(_PATH_COLOURS)]
        label = None if labels is None else labels[i]
        ax.plot(*coordinates, color=colour, marker="o", markersize=3, label=label)
        ax.plot(*[c[:1] for c in coordinates], color=colour, marker="*", markersize=12, markeredgecolor="black", linestyle="none")

    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    if labels is not None and paths:
        ax.legend(loc="best")
    return ax


def _epoch_series(history: Mapping, key: str, n_epochs: int) -> np.ndarray:
    values = np.asarray(history.get(key, []), dtype=np.float64)
    if values.ndim != 1 or len(values) not in (0, n_epochs):
        raise ValueError(f"history[{key!r}] must be empty or hold {n_epochs} values (one per epoch), got shape {values.shape}")
    return values


def _plot_series(ax, epochs, curves: Sequence[tuple[str, np.ndarray]]) -> bool:
    """Plot each non-empty, not-all-NaN curve; return whether anything was drawn."""
    drawn = False
    for label, values in curves:
        if len(values) and not np.all(np.isnan(values)):
            ax.plot(epochs, values, label=label)
            drawn = True
    return drawn


def plot_learning_curves(history: Mapping, ax=None):
    """Loss and accuracy per epoch (x from 1) in two panels, with a dashed line at ``best_epoch``.

    ``history`` maps 'train_loss' (n_epochs,) and optionally 'val_loss',
    'train_accuracy', 'val_accuracy' (empty or n_epochs values; NaN accuracy
    as in regression is skipped) and 'best_epoch' (0-based index or None).
    ``ax`` is None (a new figure) or a pair of Axes (loss, accuracy).
    Returns the array of the two Axes.
    """
    if "train_loss" not in history or len(history["train_loss"]) == 0:
        raise ValueError(f"history needs a non-empty 'train_loss' list, got keys {sorted(history)}")
    n_epochs = len(history["train_loss"])
    series = {key: _epoch_series(history, key, n_epochs) for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy")}
    best_epoch = history.get("best_epoch")
    if best_epoch is not None and not 0 <= best_epoch < n_epochs:
        raise ValueError(f"best_epoch must be a 0-based epoch index in [0, {n_epochs}), got {best_epoch!r}")
    axes = column_figure(2, 1, row_height=3.0, sharex=True)[1] if ax is None else np.asarray(ax, dtype=object).ravel()
    if len(axes) != 2:
        raise ValueError(f"ax must be None or a pair of Axes (loss, accuracy), got {len(axes)} Axes")

    epochs = np.arange(1, n_epochs + 1)
    panels = (
        (axes[0], "loss", [("training", series["train_loss"]), ("validation", series["val_loss"])]),
        (axes[1], "accuracy", [("training", series["train_accuracy"]), ("validation", series["val_accuracy"])]),
    )
    for panel, quantity, curves in panels:
        panel.set_xlabel("epoch")
        panel.set_ylabel(quantity)
        panel.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not _plot_series(panel, epochs, curves):
            panel.text(0.5, 0.5, f"no {quantity} recorded", transform=panel.transAxes, ha="center", va="center")
            continue
        if best_epoch is not None:
            panel.axvline(best_epoch + 1, color="black", linestyle="--", linewidth=1.0,
                          label=f"best validation epoch ({best_epoch + 1})")
        panel.set_xlim(1, max(n_epochs, 2))
        panel.legend(loc="best")
    return axes


# ---------------------------------------------------------------- diagrams of units and networks
_DIAGRAM_FONT = MIN_FONT_SIZE + 1
_NODE_STYLE = {"facecolor": "white", "edgecolor": "black", "linewidth": 1.4, "zorder": 3}
_EDGE_COLOUR = "#888888"
_LABEL_BOX = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}


def _diagram_axes(ax, figsize):
    ax = plt.subplots(figsize=figsize)[1] if ax is None else ax
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _node(ax, centre, radius, text, facecolor="white", fontsize=_DIAGRAM_FONT):
    circle = plt.Circle(centre, radius, **(_NODE_STYLE | {"facecolor": facecolor}))
    circle.set_gid("node")
    ax.add_patch(circle)
    if text:
        ax.text(*centre, text, ha="center", va="center", fontsize=fontsize, zorder=4, gid="node-label")


def _edge(ax, start, end, shrink, colour=_EDGE_COLOUR, linewidth=1.0, arrow=True):
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    direction = (end - start) / np.linalg.norm(end - start)
    tail, head = start + shrink[0] * direction, end - shrink[1] * direction
    ax.annotate("", xy=head, xytext=tail, gid="edge", zorder=2,
                arrowprops={"arrowstyle": "-|>" if arrow else "-", "color": colour, "lw": linewidth,
                            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 12})
    return tail, head


def _edge_label(ax, tail, head, text, fraction, colour="black", offset=(0.0, 0.0)):
    position = tail + fraction * (head - tail) + np.asarray(offset)
    ax.text(*position, text, ha="center", va="center", fontsize=_DIAGRAM_FONT - 1, color=colour,
            bbox=_LABEL_BOX, zorder=5, gid="edge-label")


def draw_unit(n_inputs: int = 2, activation: str = "g", bias: bool = True, input_symbol: str = "phi", ax=None):
    """Diagram of one unit: inputs ``phi_i`` (or ``x_i``) with weights ``w_i``, the sum ``a``, ``g`` (or the step ``f``), ``y``.

    ``activation`` is ``"g"`` (a smooth non-linearity) or ``"step"`` (the perceptron's ``f``); ``bias``
    adds the input ``phi_0 = 1`` with weight ``w_0``. Returns the Axes.
    """
    n_inputs = check_count("n_inputs", n_inputs)
    if n_inputs > 6:
        raise ValueError(f"n_inputs must be at most 6 to keep the diagram legible; got {n_inputs}")
    if activation not in ("g", "step"):
        raise ValueError(f"activation must be 'g' or 'step', got {activation!r}")
    if input_symbol not in ("phi", "x"):
        raise ValueError(f"input_symbol must be 'phi' or 'x', got {input_symbol!r}")
    symbol = r"\phi" if input_symbol == "phi" else "x"
    vector = r"\boldsymbol{\phi}" if input_symbol == "phi" else r"\mathbf{x}"
    ax = _diagram_axes(ax, (6.8, 0.7 * (n_inputs + bias) + 1.3))

    indices = list(range(0 if bias else 1, n_inputs + 1))
    ys = (len(indices) - 1) / 2 - np.arange(len(indices), dtype=np.float64)
    radius, sum_at, box_at, out_at = 0.34, np.array([2.9, 0.0]), np.array([4.5, 0.0]), np.array([5.7, 0.0])
    for i, y in zip(indices, ys):
        at = np.array([0.0, y])
        text = "$1$" if i == 0 else f"${symbol}_{{{i}}}$"
        _node(ax, at, radius, text, facecolor="#EEEEEE" if i == 0 else "white")
        tail, head = _edge(ax, at, sum_at, (radius, 0.42))
        _edge_label(ax, tail, head, f"$w_{{{i}}}$", 0.45)
    if bias:
        ax.text(-radius - 0.1, ys[0], f"${symbol}_0 =$", ha="right", va="center", fontsize=_DIAGRAM_FONT, gid="text")

    _node(ax, sum_at, 0.42, r"$\Sigma$", fontsize=_DIAGRAM_FONT + 3)
    weighted = r"\mathbf{w}^\top" + vector
    ax.text(sum_at[0], sum_at[1] - 0.62, f"$a = {weighted}$", ha="center", va="top", fontsize=_DIAGRAM_FONT, gid="text")
    _edge(ax, sum_at, box_at - [0.5, 0.0], (0.42, 0.0), colour="black")
    ax.text(*(sum_at + box_at - [0.5, 0]) / 2 + [0.1, 0.1], "$a$", ha="center", va="bottom",
            fontsize=_DIAGRAM_FONT, gid="text")

    box = plt.Rectangle(box_at - [0.5, 0.4], 1.0, 0.8, **_NODE_STYLE)
    box.set_gid("activation")
    ax.add_patch(box)
    if activation == "step":  # a small drawing of f: -1 left of 0, +1 from 0 on
        ax.plot(box_at[0] + np.array([-0.35, 0.0, 0.0, 0.35]), box_at[1] + np.array([-0.22, -0.22, 0.22, 0.22]),
                color="black", linewidth=1.6, zorder=4, gid="step")
        name, output = "f", r"$y = f(a) \in \{-1, +1\}$"
    else:
        ax.text(*box_at, "$g$", ha="center", va="center", fontsize=_DIAGRAM_FONT + 2, zorder=4, gid="node-label")
        name, output = "g", "$y = g(a)$"
    ax.text(box_at[0], box_at[1] - 0.62, "step $f$" if name == "f" else "activation", ha="center", va="top",
            fontsize=_DIAGRAM_FONT, gid="text")
    _edge(ax, box_at + [0.5, 0.0], out_at, (0.0, 0.0), colour="black")
    ax.text(out_at[0] + 0.12, out_at[1], output, ha="left", va="center", fontsize=_DIAGRAM_FONT, gid="text")

    ax.set_xlim(-1.3, 8.4)
    ax.set_ylim(min(ys.min(), -1.0) - 0.5, max(ys.max(), 0.5) + 0.5)
    return ax


def _index_letter(l: int, n_layers: int) -> str:
    return "i" if l == 0 else ("k" if l == n_layers else "j")


def draw_mlp(sizes=(3, 4, 2), ax=None, labelled_edges: int = 2):
    """Diagram of ``MLP(sizes)``, ``sizes = (M_0, ..., M_L)``: the units of each layer, all weights, the layer index ``l``
    and size ``M_l`` under each layer, and ``labelled_edges`` weights ``w^l_ji`` named per layer. Returns the Axes.
    """
    sizes = check_sizes(sizes)
    if max(sizes) > 6 or len(sizes) > 5:
        raise ValueError(f"draw_mlp draws at most 5 layers of at most 6 units each to stay legible; got sizes {sizes}")
    if labelled_edges not in (0, 1, 2):
        raise ValueError(f"labelled_edges must be 0, 1 or 2 (weights named per layer), got {labelled_edges!r}")
    L = len(sizes) - 1
    spacing, radius, gap = 0.95, 0.3, 2.6
    ax = _diagram_axes(ax, (min(2.2 * (L + 1) + 0.6, 7.0), 0.55 * max(sizes) + 2.4))

    def centre(l, unit):  # unit is 1-based; each layer is centred on y = 0
        return np.array([l * gap, ((sizes[l] - 1) / 2 - (unit - 1)) * spacing])

    for l in range(1, L + 1):
        for j in range(1, sizes[l] + 1):
            for i in range(1, sizes[l - 1] + 1):
                corners = [(1, 1), (sizes[l], sizes[l - 1])][:labelled_edges]
                named = (j, i) in corners
                tail, head = _edge(ax, centre(l - 1, i), centre(l, j), (radius, radius), arrow=False,
                                   colour="black" if named else _EDGE_COLOUR, linewidth=1.6 if named else 0.8)
                if named:
                    above = 0.22 if (j, i) == (1, 1) else -0.22
                    _edge_label(ax, tail, head, f"$w^{{{l}}}_{{{j}{i}}}$", 0.5, offset=(0.0, above))

    top = (max(sizes) - 1) / 2 * spacing + radius
    for l, M in enumerate(sizes):
        for unit in range(1, M + 1):
            text = f"$x_{{{unit}}}$" if l == 0 else (f"$y_{{{unit}}}$" if l == L else f"$z^{{{l}}}_{{{unit}}}$")
            _node(ax, centre(l, unit), radius, text, facecolor="#EEEEEE" if l in (0, L) else "white",
                  fontsize=_DIAGRAM_FONT - 1)
        name = r"$\mathbf{z}^0 = \mathbf{x}$" if l == 0 else (
            rf"$\mathbf{{y}} = \mathbf{{z}}^{{{L}}}$" if l == L else rf"$\mathbf{{z}}^{{{l}}}$")
        role = "input" if l == 0 else ("output" if l == L else "hidden")
        ax.text(l * gap, top + 0.25, f"{role}\n{name}", ha="center", va="bottom", fontsize=_DIAGRAM_FONT,
                linespacing=1.4, gid="layer-name")
        ax.text(l * gap, -top - 0.2, f"$l = {l}$\n$M_{{{l}}} = {M}$\nunits ${_index_letter(l, L)}$",
                ha="center", va="top", fontsize=_DIAGRAM_FONT, linespacing=1.5, gid="layer-index")
    for l in range(1, L + 1):
        ax.text((l - 0.5) * gap, -top - 0.2, f"$W^{{{l}}}$\n${sizes[l]} \\times {sizes[l - 1]}$",
                ha="center", va="top", fontsize=_DIAGRAM_FONT, linespacing=1.5, color="#555555", gid="weight-name")

    ax.set_xlim(-0.75, L * gap + 0.75)
    ax.set_ylim(-top - 1.6, top + 1.0)
    return ax
