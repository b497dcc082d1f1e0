"""Diagnostics for deep networks: parameter and multiply-accumulate counts, per-layer gradient norms
and activation statistics, the depth-against-width experiment, and training throughput per device.

Notation as in the rest of :mod:`dlcore`: ``sizes = [M_0 = d, M_1, ..., M_L = K]``, ``W^l`` of
shape ``(M_l, M_(l-1))``, batches are rows, ``a[l-1] = a^l``, ``z[l] = z^l``,
``deltas[l-1] = delta^l``. The per-layer diagnostics return numpy arrays for a model on any
``device``; ``counted_matmul_flops`` needs a numpy model. Random numbers come from seeded generators.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np

from .backend import to_numpy
from .backprop import backprop_deltas, forward, weight_gradients
from .checks import check_sizes, check_targets, check_X
from .mlp import MLP


# --- counting ------------------------------------------------------------------------------


def count_parameters(sizes) -> int:
    """Number of weights and biases of an MLP, ``sum_l M_l (M_(l-1) + 1)`` (eq. deep-param-count)."""
    sizes = check_sizes(sizes)
    return sum(m_out * (m_in + 1) for m_in, m_out in zip(sizes[:-1], sizes[1:]))


def model_parameter_count(model) -> int:
    """Number of entries of a model's arrays ``W^l`` and ``b^l``, counted from their shapes."""
    return sum(int(np.prod(W.shape)) + int(np.prod(b.shape)) for W, b in model.parameters)


def width_for_budget(d: int, K: int, n_hidden: int, budget: int) -> int:
    """The hidden width M whose net ``[d, M, ..., M, K]`` (``n_hidden`` layers) has the parameter count nearest ``budget``."""
    for name, value in (("d", d), ("K", K), ("n_hidden", n_hidden), ("budget", budget)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    width, count = 1, count_parameters([d] + [1] * n_hidden + [K])
    while True:  # the count grows with the width: stop at the first width past the budget
        bigger = count_parameters([d] + [width + 1] * n_hidden + [K])
        if abs(bigger - budget) >= abs(count - budget):
            return width
        width, count = width + 1, bigger


def forward_macs(sizes, N: int) -> np.ndarray:
    """Multiply-accumulates of each layer's ``z^(l-1) W^l.T`` on N samples: ``N M_(l-1) M_l`` (eq. deep-macs), shape (L,)."""
    sizes = check_sizes(sizes)
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"N (the batch size) must be a positive integer; got {N!r}")
    return np.array([N * m_in * m_out for m_in, m_out in zip(sizes[:-1], sizes[1:])], dtype=np.int64)


def sgd_step_flops(sizes) -> int:
    """Floating-point operations of the matrix products of one SGD step, per sample (2 per multiply-accumulate).

    Forward ``z^(l-1) W^l.T`` and weight gradient ``delta^l.T z^(l-1)`` for l = 1..L, backpropagated delta
    ``delta^l W^l`` for l = L..2: ``2 (2 sum_l M_(l-1) M_l + sum_(l>=2) M_(l-1) M_l)``.
    """
    macs = forward_macs(sizes, 1)
    return int(2 * (2 * macs.sum() + macs[1:].sum()))


class _MatmulCounter(np.ndarray):
    """A numpy array that adds ``2 m k n`` to ``total[0]`` for every ``(m, k) @ (k, n)`` product it takes part in."""

    total = [0]

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = [np.asarray(x) for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(np.asarray(o) for o in out)
        if ufunc is np.matmul and method == "__call__":
            (m, k), n = plain[0].shape, plain[1].shape[-1]
            _MatmulCounter.total[0] += 2 * m * k * n
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result.view(_MatmulCounter) if isinstance(result, np.ndarray) else result


def counted_matmul_flops(model, X, T=None) -> int:
    """Floating-point operations of the matrix products that dlcore executes on the batch X (N, d).

    Runs :func:`dlcore.backprop.forward` (and, given targets T, ``backprop_deltas`` and
    ``weight_gradients``: one SGD step's gradient) on arrays that count ``2 m k n`` for every
    ``(m, k) @ (k, n)`` product they take part in. Needs a numpy model (``device='cpu'``).
    """
    if not model.backend.is_numpy:
        raise ValueError("counted_matmul_flops counts numpy products: build the MLP with device='cpu'")
    X = check_X(X, model.sizes[0]).astype(np.float64).view(_MatmulCounter)
    parameters = [(np.asarray(W).view(_MatmulCounter), np.asarray(b).view(_MatmulCounter)) for W, b in model.parameters]
    _MatmulCounter.total[0] = 0
    a, z = forward(X, parameters, model.activation.g, model.objective.g_out)
    if T is not None:
        T = check_targets(T, model.sizes[-1], model.objective.output).view(_MatmulCounter)
        if len(T) != len(X):
            raise ValueError(f"X and T must have the same number of rows; got {len(X)} and {len(T)}")
        deltas = backprop_deltas(model.objective.delta(a[-1], z[-1], T), a, z, parameters, model.activation.g_prime)
        weight_gradients(deltas, z)
    return int(_MatmulCounter.total[0])


# --- per-layer diagnostics -----------------------------------------------------------------


def layer_deltas(model, X, T):
    """Forward and backward pass of one batch: numpy lists ``a`` (L,), ``z`` (L+1,) and ``deltas`` (L,).

    ``deltas[l-1] = delta^l = dE^n/da^l`` of shape ``(N, M_l)`` for each sample n (not divided by N),
    from the recursion ``delta^(l-1) = g'(a^(l-1)) * (delta^l W^l)``.
    """
    X = check_X(X, model.sizes[0])
    T = check_targets(T, model.sizes[-1], model.objective.output)
    if len(X) != len(T):
        raise ValueError(f"X and T must have the same number of rows; got {len(X)} and {len(T)}")
    X, T = model.backend.asarray(X), model.backend.asarray(T)
    a, z = model.forward(X)
    deltas = backprop_deltas(model.objective.delta(a[-1], z[-1], T), a, z, model.parameters, model.activation.g_prime)
    return [to_numpy(v) for v in a], [to_numpy(v) for v in z], [to_numpy(v) for v in deltas]


def mean_error(model, X, T) -> float:
    """The data term of the loss, ``(1/N) sum_n E^n``, without the weight-decay penalty (``model.loss`` adds it)."""
    X = check_X(X, model.sizes[0])
    T = check_targets(T, model.sizes[-1], model.objective.output)
    if len(X) != len(T):
        raise ValueError(f"X and T must have the same number of rows; got {len(X)} and {len(T)}")
    a, _ = model.forward(model.backend.asarray(X))
    return float(np.mean(to_numpy(model.objective.error(a[-1], model.backend.asarray(T)))))


def layer_gradient_norms(model, X, T) -> np.ndarray:
    """Frobenius norms ``||dE/dW^l||`` of the mean-error gradient from ``model.gradients``, shape (L,)."""
    return np.array([np.linalg.norm(to_numpy(dW)) for dW, _ in model.gradients(X, T)])


def gradient_norms_by_depth(X, T, depths, width: int, activation: str, init="xavier", seed: int = 0) -> dict:
    """``{depth: ||dE/dW^l|| for l = 1..L}`` at initialisation, for nets ``[d, width x depth, K]`` (softmax/CE).

    ``depth`` counts hidden layers; ``T`` holds integer labels (N,) with K = ``T.max() + 1`` classes.
    """
    X, t = check_X(X), np.asarray(T)
    if t.ndim != 1 or len(t) != len(X):
        raise ValueError(f"T must hold one integer label per row of X, shape ({len(X)},); got shape {t.shape}")
    K = int(t.max()) + 1
    norms = {}
    for depth in depths:
        model = MLP([X.shape[1]] + [width] * int(depth) + [K], activation=activation, init=init, seed=seed)
        norms[int(depth)] = layer_gradient_norms(model, X, t)
    return norms


def activation_statistics(model, X) -> dict:
    """Per-layer statistics of the forward pass at the current weights (arrays of shape (L,)).

    ``var_a``: ``Var(a^l)`` over samples and units; ``var_w``: variance of the entries of ``W^l``;
    ``fan_in``: ``M_(l-1)``; ``mean_sq_z_in``: ``E[(z^(l-1))^2]``; ``predicted_var_a``:
    ``M_(l-1) Var(w) E[(z^(l-1))^2]`` (eq. deep-var-forward); ``saturated``: the fraction of hidden
    units with ``|g'(a)| < 0.01`` (NaN for the output layer).
    """
    a, z = model.forward(model.backend.asarray(check_X(X, model.sizes[0])))
    a, z = [to_numpy(v) for v in a], [to_numpy(v) for v in z]
    W = [to_numpy(W) for W, _ in model.parameters]
    stats = {
        "var_a": np.array([np.var(a_l) for a_l in a]),
        "var_w": np.array([np.var(W_l) for W_l in W]),
        "fan_in": np.array([W_l.shape[1] for W_l in W]),
        "mean_sq_z_in": np.array([np.mean(z_l**2) for z_l in z[:-1]]),
    }
    stats["predicted_var_a"] = stats["fan_in"] * stats["var_w"] * stats["mean_sq_z_in"]
    g_prime = [np.abs(model.activation.g_prime(a_l, z_l)) for a_l, z_l in zip(a[:-1], z[1:-1])]
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
        results.append({"config": dict(config), "n_parameters": count_parameters(config["sizes"]),
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


def sawtooth_parameters(depth: int):
    """Weights of a ReLU net ``[1, 2, ..., 2, 1]`` (``depth`` hidden layers) that computes the tent map
    ``h(x) = 2 relu(x) - 4 relu(x - 1/2)`` composed ``depth`` times on [0, 1]: a sawtooth of ``2^depth`` pieces.

    Returns ``[(W^1, b^1), ..., (W^L, b^L)]`` in numpy float64, for ``MLP(..., activation='relu', output='identity', loss='mse')``.
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be a positive integer; got {depth!r}")
    tent = np.array([[2.0, -4.0]])  # h = 2 z_1 - 4 z_2 from z = (relu(x), relu(x - 1/2))
    split = (np.array([[1.0], [1.0]]), np.array([0.0, -0.5]))  # a = (h, h - 1/2)
    parameters = [split]
    for _ in range(depth - 1):
        parameters.append((split[0] @ tent, split[1].copy()))
    parameters.append((tent.copy(), np.zeros(1)))
    return parameters


def count_monotone_pieces(y) -> int:
    """Number of maximal monotone pieces of a sampled 1-D function ``y`` (n,): sign changes of its slope, plus one."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"y must be a 1-D array of at least two samples; got shape {y.shape}")
    slope_sign = np.sign(np.diff(y))
    slope_sign = slope_sign[slope_sign != 0]
    return int(np.sum(slope_sign[1:] != slope_sign[:-1])) + 1


# --- devices and throughput ----------------------------------------------------------------


def available_devices() -> list:
    """The dlcore devices this machine can run: ``'cpu'`` (numpy), ``'torch'`` (CPU) and ``'cuda'`` if torch sees a GPU."""
    devices = ["cpu"]
    try:
        import torch
    except ImportError:
        return devices
    devices.append("torch")
    if torch.cuda.is_available():
        devices.append("cuda")
    return devices


def time_training(sizes, X, t, devices, epochs: int = 2, batch_size: int = 256, eta: float = 0.01,
                  activation: str = "tanh", repeats: int = 1, threads=None, seed: int = 0) -> dict:
    """Training throughput of the same MLP (float32, same seeded weights) on each device: ``{device: samples/s}``.

    For each device, one warm-up epoch, then the best of ``repeats`` timed runs of ``epochs`` epochs of
    minibatch SGD; samples/s is ``N * epochs / seconds``. ``threads`` (an int) limits numpy's BLAS and
    torch's CPU threads while timing (None: leave them). Raises for 'cuda' when torch sees no GPU.
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("repeats", repeats)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1):
        raise ValueError(f"threads must be None or a positive integer; got {threads!r}")
    X = check_X(X, sizes[0])
    throughput = {}
    with _cpu_threads(threads):
        for device in devices:
            model = MLP(sizes, activation=activation, seed=seed, device=device, dtype="float32")
            model.fit(X, t, epochs=1, eta=eta, batch_size=batch_size, progress=False)  # warm-up
            seconds = min(_timed_fit(model, X, t, epochs, eta, batch_size) for _ in range(repeats))
            throughput[device] = len(X) * epochs / seconds
    return throughput


@contextmanager
def _cpu_threads(threads):
    """Limit numpy's BLAS and torch's intra-op threads to ``threads`` inside the block (None: no change)."""
    if threads is None:
        yield
        return
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        with threadpool_limits(limits=int(threads), user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


def _timed_fit(model, X, t, epochs, eta, batch_size) -> float:
    """Seconds for ``model.fit`` of ``epochs`` epochs, with the GPU's queue emptied before and after."""
    _synchronise(model)
    start = time.perf_counter()
    model.fit(X, t, epochs=epochs, eta=eta, batch_size=batch_size, progress=False)
    _synchronise(model)
    return time.perf_counter() - start


def _synchronise(model) -> None:
    """Wait for a CUDA model's queued kernels to finish (no-op on the CPU)."""
    if not model.backend.is_numpy and model.backend.device.type == "cuda":
        import torch

        torch.cuda.synchronize(model.backend.device)
