"""Chapter 8, deep networks and GPUs: per-layer gradient norms and activation statistics, the
depth-against-width experiment, the sawtooth that only depth makes cheap, and greedy layer-wise
pre-training with autoencoders.

Notation as in the rest of :mod:`dlcore`: ``sizes = [M_0 = d, M_1, ..., M_L = K]``, ``W^l`` of shape
``(M_l, M_(l-1))``, batches are rows, and lists are indexed by the layer ``l``: ``a[l] = a^l``,
``z[l] = z^l`` (``z[0] = X``), ``delta[l] = delta^l``. A per-layer statistic is an array of shape
``(L,)`` whose entry ``l - 1`` belongs to layer ``l``. The diagnostics return numpy arrays for a model
on any ``device``. Parameter and cost counts are in :mod:`dlcore.counting`, timing and devices in
:mod:`dlcore.timing`. Random numbers come from seeded generators.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..backend import to_numpy
from ..backprop import backprop_deltas
from ..checks import check_count, check_labels, check_same_length, check_targets, check_X
from ..counting import n_parameters
from ..mlp import MLP
from ..plotting import COLUMN_WIDTH


def width_for_budget(d: int, K: int, n_hidden: int, budget: int) -> int:
    """The hidden width M whose net ``[d, M, ..., M, K]`` (``n_hidden`` layers) has the parameter count nearest ``budget``."""
    for name, value in (("d", d), ("K", K), ("n_hidden", n_hidden), ("budget", budget)):
        check_count(name, value)
    width, count = 1, n_parameters([d] + [1] * n_hidden + [K])
    while True:  # the count grows with the width: stop at the first width past the budget
        bigger = n_parameters([d] + [width + 1] * n_hidden + [K])
        if abs(bigger - budget) >= abs(count - budget):
            return width
        width, count = width + 1, bigger


# --- per-layer diagnostics -----------------------------------------------------------------


def _numpy_list(values) -> list:
    return [None if v is None else to_numpy(v) for v in values]


def layer_deltas(model, X, T):
    """Forward and backward pass of one batch: numpy lists ``a``, ``z`` and ``delta``, indexed by layer.

    ``delta[l] = delta^l = dE^n/da^l`` of shape ``(N, M_l)`` for each sample n (not divided by N), for
    l = 1..L, from :func:`dlcore.backprop.backprop_deltas`; ``a[0] = delta[0] = None`` and ``z[0] = X``.
    """
    X = check_X(X, model.sizes[0])
    T = check_targets(T, model.sizes[-1], model.objective.output)
    check_same_length(X, T)
    X, T = model.backend.asarray(X), model.backend.asarray(T)
    a, z = model.forward(X)
    L = model.n_layers
    delta = backprop_deltas(model.objective.delta(a[L], z[L], T), a, z, model.W, model.activation.g_prime)
    return _numpy_list(a), _numpy_list(z), _numpy_list(delta)


def layer_gradient_norms(model, X, T) -> np.ndarray:
    """Frobenius norms ``||dE/dW^l||`` for l = 1..L of the gradient from ``model.gradients``: shape ``(L,)``."""
    dW, _ = model.gradients(X, T)
    return np.array([np.linalg.norm(to_numpy(dW[l])) for l in range(1, len(dW))])


def gradient_norms_by_depth(X, T, depths, width: int, activation: str, init="xavier", seed: int = 0) -> dict:
    """``{depth: ||dE/dW^l|| for l = 1..L}`` at initialisation, for nets ``[d, width x depth, K]`` (softmax/CE).

    ``depth`` counts hidden layers; ``T`` holds integer labels (N,) with K = ``T.max() + 1`` classes.
    """
    X = check_X(X)
    t = np.asarray(T)
    K = int(t.max()) + 1 if t.ndim == 1 and t.size else 1
    t = check_labels(t, K, "T")
    check_same_length(X, t, ("X", "T"))
    norms = {}
    for depth in depths:
        model = MLP([X.shape[1]] + [width] * int(depth) + [K], activation=activation, init=init, seed=seed)
        norms[int(depth)] = layer_gradient_norms(model, X, t)
    return norms


def activation_statistics(model, X) -> dict:
    """Per-layer statistics of the forward pass at the current weights (arrays of shape (L,), entry l - 1 for layer l).

    ``var_a``: ``Var(a^l)`` over samples and units; ``var_w``: variance of the entries of ``W^l``;
    ``fan_in``: ``M_(l-1)``; ``mean_sq_z_in``: ``E[(z^(l-1))^2]``; ``predicted_var_a``:
    ``M_(l-1) Var(w) E[(z^(l-1))^2]`` (eq. deep-var-forward); ``saturated``: the fraction of hidden
    units with ``|g'(a)| < 0.01`` (NaN for the output layer).
    """
    a, z = model.forward(model.backend.asarray(check_X(X, model.sizes[0])))
    a, z, W = _numpy_list(a), _numpy_list(z), _numpy_list(model.W)
    layers = range(1, model.n_layers + 1)
    stats = {
        "var_a": np.array([np.var(a[l]) for l in layers]),
        "var_w": np.array([np.var(W[l]) for l in layers]),
        "fan_in": np.array([W[l].shape[1] for l in layers]),
        "mean_sq_z_in": np.array([np.mean(z[l - 1] ** 2) for l in layers]),
    }
    stats["predicted_var_a"] = stats["fan_in"] * stats["var_w"] * stats["mean_sq_z_in"]
    hidden = range(1, model.n_layers)
    g_prime = [np.abs(model.activation.g_prime(a[l], z[l])) for l in hidden]
    stats["saturated"] = np.array([np.mean(gp < 0.01) for gp in g_prime] + [np.nan])
    return stats


def plot_per_layer(series: dict, ax=None, ylabel: str = "", title=None, log: bool = True):
    """One line per entry of ``series`` (label -> values (L,)), against the layer l = 1..L; returns the Axes."""
    ax = plt.subplots()[1] if ax is None else ax
    for label, values in series.items():
        values = np.asarray(values, dtype=np.float64)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("layer $l$")
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="best")
    return ax


# --- experiments ---------------------------------------------------------------------------


def train_models(configs, X_train, t_train, X_test, t_test, epochs=100, eta=0.1, batch_size=32) -> list:
    """Train one MLP per config (a dict of ``MLP`` keyword arguments, ``sizes`` included) with the same SGD settings.

    Returns one dict per model: ``config``, ``n_parameters`` (eq. deep-param-count), ``train_accuracy``,
    ``test_accuracy``, the training ``history`` and the trained ``model``.
    """
    results = []
    for config in configs:
        model = MLP(**config)
        history = model.fit(X_train, t_train, epochs=epochs, eta=eta, batch_size=batch_size, progress=False)
        results.append({"config": dict(config), "n_parameters": n_parameters(config["sizes"]),
                        "train_accuracy": model.score(X_train, t_train), "test_accuracy": model.score(X_test, t_test),
                        "history": history, "model": model})
    return results


def depth_width_experiment(architectures, X_train, t_train, X_test, t_test, seeds=(0,), activation="relu",
                           init="he", epochs=100, eta=0.1, batch_size=32) -> dict:
    """Test accuracy of each architecture (list of ``sizes``) for each seed: ``{tuple(sizes): results}``.

    ``results`` holds the :func:`train_models` dicts, one per seed, all nets trained alike.
    """
    configs = [{"sizes": list(sizes), "activation": activation, "init": init, "seed": seed}
               for sizes in architectures for seed in seeds]
    results = train_models(configs, X_train, t_train, X_test, t_test, epochs=epochs, eta=eta, batch_size=batch_size)
    return {tuple(sizes): results[i * len(seeds):(i + 1) * len(seeds)] for i, sizes in enumerate(architectures)}


def sawtooth_weights(depth: int):
    """Weights of a ReLU net ``[1, 2, ..., 2, 1]`` with ``depth`` = D hidden
    layers (L = D + 1 layers of weights) that computes the tent map
    ``h(x) = 2 relu(x) - 4 relu(x - 1/2)`` composed D times on [0, 1]: a
    sawtooth of ``2^D`` pieces.

    Returns the lists ``(W, b)`` indexed by layer (``W[0] = b[0] = None``) in
    numpy float64, to set as ``model.W, model.b`` of
    ``MLP([1] + [2] * depth + [1], activation='relu', output='identity',
    loss='mse')``.
    """
    L = check_count("depth", depth) + 1  # layers of weights
    # h = 2 z_1 - 4 z_2 from z = (relu(x), relu(x - 1/2))
    tent = np.array([[2.0, -4.0]])
    W, b = [None] * (L + 1), [None] * (L + 1)
    # a^1 = (x, x - 1/2)
    W[1], b[1] = np.array([[1.0], [1.0]]), np.array([0.0, -0.5])
    for l in range(2, L):
        # a^l = (h, h - 1/2) with h = tent z^(l-1)
        W[l], b[l] = W[1] @ tent, b[1].copy()
    W[L], b[L] = tent.copy(), np.zeros(1)  # y = h
    return W, b


def count_monotone_pieces(y) -> int:
    """Number of maximal monotone pieces of a sampled 1-D function ``y`` (n,): sign changes of its slope, plus one."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"y must be a 1-D array of at least two samples; got shape {y.shape}")
    slope_sign = np.sign(np.diff(y))
    slope_sign = slope_sign[slope_sign != 0]
    return int(np.sum(slope_sign[1:] != slope_sign[:-1])) + 1


# --- greedy layer-wise pre-training --------------------------------------------------------


def pretrain_autoencoder(X, n_hidden: int, activation="tanh", epochs=30, eta=0.03, batch_size=32, seed=0) -> MLP:
    """An autoencoder ``MLP([d, n_hidden, d])`` (identity output, sum-of-squares loss) trained by SGD to reproduce ``X``."""
    X = check_X(X)
    autoencoder = MLP([X.shape[1], check_count("n_hidden", n_hidden), X.shape[1]], activation=activation,
                      output="identity", loss="mse", seed=seed)
    autoencoder.fit(X, X, epochs=epochs, eta=eta, batch_size=batch_size, progress=False)
    return autoencoder


def copy_first_layer(source, target):
    """Copy ``W^1`` and ``b^1`` of the MLP ``source`` into the MLP ``target``
    (same shapes) and return ``target``."""
    if tuple(source.sizes[:2]) != tuple(target.sizes[:2]):
        raise ValueError(
            f"the first layers differ: sizes {source.sizes[:2]} and"
            f" {target.sizes[:2]}"
        )
    W1 = np.array(to_numpy(source.W[1]), dtype=np.float64)
    b1 = np.array(to_numpy(source.b[1]), dtype=np.float64)
    target.W[1] = target.backend.from_numpy(W1)
    target.b[1] = target.backend.from_numpy(b1)
    return target


def pretraining_comparison(autoencoder, sizes, X_train, t_train, X_test, t_test, seeds=(0,), activation="tanh",
                           epochs=1, eta=0.05, batch_size=32) -> dict:
    """Test accuracies ``{'random': (S,), 'pretrained': (S,)}`` of MLPs ``sizes`` trained alike, one per seed."""
    accuracy = {"random": [], "pretrained": []}
    for seed in seeds:
        for start in accuracy:
            model = MLP(sizes, activation=activation, seed=seed)
            if start == "pretrained":
                copy_first_layer(autoencoder, model)
            model.fit(X_train, t_train, epochs=epochs, eta=eta, batch_size=batch_size, progress=False)
            accuracy[start].append(model.score(X_test, t_test))
    return {start: np.array(values) for start, values in accuracy.items()}


def plot_unit_weights(W, n_units: int = 12, shape=(8, 8), ncols: int = 6, title=None):
    """The first ``n_units`` rows of ``W`` ``(M, d)`` as ``shape`` images in a grid, each on its own symmetric scale; returns the Figure."""
    W = np.asarray(to_numpy(W), dtype=np.float64)
    n_units, ncols = check_count("n_units", n_units), check_count("ncols", ncols)
    if W.ndim != 2 or W.shape[1] != shape[0] * shape[1] or n_units > W.shape[0]:
        raise ValueError(f"W must have shape (M >= {n_units}, {shape[0] * shape[1]}); got {W.shape}")
    nrows = -(-n_units // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(min(1.25 * ncols, COLUMN_WIDTH), 1.45 * nrows + 0.5),
                             squeeze=False)
    for j, ax in enumerate(axes.flat):
        ax.axis("off")
        if j < n_units:
            scale = np.abs(W[j]).max()
            ax.imshow(W[j].reshape(shape), cmap="RdBu_r", vmin=-scale, vmax=scale)
            ax.set_title(f"unit {j + 1}", fontsize=12)
    if title is not None:
        fig.suptitle(title, fontsize=12)
    return fig
