"""Chapter 2, error surfaces: E(w) over a few weights of a network, and gradient descent on it.

`weight_slice` turns an MLP's loss into a function E(w) of a few chosen weights (the others fixed),
with its gradient taken from backpropagation; `error_grid` evaluates such an E on a grid of two
weights, laid out for matplotlib's ``contour``, and `gradient_descent_path` records the iterates of
plain gradient descent, ``w^(tau) = w^(tau-1) - eta grad E(w^(tau-1))`` with tau the step, to draw
on top of it (see `dlcore.plotting.plot_error_surface`). `quadratic` and `max_stable_learning_rate` give the quadratic
model E = 1/2 w^T A w, on which gradient descent converges exactly when 0 < eta < 2 / lambda_max;
`numerical_hessian` measures the same curvature on any error function. `model_at` and
`swap_hidden_units` return modified copies of a network (the latter shows a weight-space symmetry,
and `midpoint_error_ratio` how far such symmetric minima are from convexity); `local_minima`, `refine_minima`, `path_errors` and `train_from_seeds` are the chapter's small
experiment helpers. A weight is named by a reference ``("W", l, j, i)`` for ``w^l_ji = W[l][j, i]``
or ``("b", l, j)`` for ``b^l_j = b[l][j]``: the layer ``l`` counts from 1 as in the lecture, the
units ``j, i`` from 0 as numpy does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.optimize import minimize

from ..checks import check_count, check_index, check_positive, is_count
from ..mlp import MLP


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
    """Iterates of gradient descent from w^(0) = w0 (D,):
    w^(tau) = w^(tau-1) - eta * grad E(w^(tau-1)).

    Returns an array (n_steps + 1, D) whose row tau is w^(tau). If an
    iterate becomes non-finite (divergence, e.g. eta > 2 / lambda_max on a
    quadratic), the path stops before it and only the finite rows are
    returned.
    """
    w = np.asarray(w0, dtype=np.float64)
    if w.ndim != 1 or not np.all(np.isfinite(w)):
        raise ValueError(
            f"w0 must be a finite 1-D array, got shape {w.shape}"
            f" with values {w!r}"
        )
    check_positive("eta", eta)
    n_steps = check_count("n_steps", n_steps, 0)

    path = [w]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            g = np.asarray(grad(w), dtype=np.float64)
            if g.shape != w.shape:
                raise ValueError(
                    f"grad(w) must have the shape of w, {w.shape},"
                    f" got {g.shape}"
                )
            w = w - eta * g
            if not np.all(np.isfinite(w)):
                break
            path.append(w)
    return np.array(path)


@dataclass(frozen=True, eq=False)
class WeightSlice:
    """E(w) and grad E(w) for the D weights named by ``refs``; ``w0`` (D,) their values in the model, ``labels`` LaTeX names."""

    error: Callable[[np.ndarray], float]
    gradient: Callable[[np.ndarray], np.ndarray]
    w0: np.ndarray
    refs: tuple
    labels: tuple


def _copy_model(model: MLP) -> MLP:
    """A copy of ``model`` with its own weights (activation, objective and backend are shared)."""
    if not isinstance(model, MLP):
        raise ValueError(f"model must be a dlcore MLP, got {type(model).__name__}")
    net = copy.copy(model)
    net.W = [None] + [copy.deepcopy(W_l) for W_l in model.W[1:]]
    net.b = [None] + [copy.deepcopy(b_l) for b_l in model.b[1:]]
    return net


def _resolve(model: MLP, ref) -> tuple[str, int, tuple]:
    """``("W", l, j, i)`` or ``("b", l, j)`` checked against ``model``: ``(kind, l, index)``, or ValueError."""
    if not isinstance(ref, tuple) or len(ref) < 2 or ref[0] not in ("W", "b"):
        raise ValueError(f"a weight reference must be ('W', l, j, i) or ('b', l, j), got {ref!r}")
    kind, layer, index = ref[0], ref[1], tuple(ref[2:])
    L = model.n_layers
    if not is_count(layer) or layer > L:
        raise ValueError(f"the layer l in {ref!r} must be an integer in 1..{L} (layers count from 1, as in W^l)")
    shape = tuple(_array(model.W, model.b, kind, layer).shape)
    if len(index) != len(shape) or not all(is_count(k, 0) and k < n for k, n in zip(index, shape)):
        raise ValueError(f"{ref!r} does not name an entry of {kind}^{layer}, which has shape {shape} (indices from 0)")
    return kind, layer, index


def _array(W, b, kind: str, l: int):
    """``W[l]`` for ``kind = "W"``, else ``b[l]``: from a model's lists or from gradient lists ``(dW, db)``."""
    return W[l] if kind == "W" else b[l]


def _label(ref) -> str:
    """LaTeX name of a weight with 1-based unit numbers, e.g. ('W', 1, 0, 0) -> '$w^{1}_{11}$'."""
    subscript = "".join(str(k + 1) for k in ref[2:])
    return f"$w^{{{ref[1]}}}_{{{subscript}}}$" if ref[0] == "W" else f"$b^{{{ref[1]}}}_{{{subscript}}}$"


def weight_slice(model: MLP, X, T, refs) -> WeightSlice:
    """The loss of ``model`` on (X (N, d), T) as a function of the weights ``refs``, all others fixed.

    Each ref is ``("W", l, j, i)`` for w_ji^l (``W^l[j, i]``) or ``("b", l, j)`` for b_j^l, with the
    layer l counted from 1 and j, i from 0. Works on a private copy, so ``model`` is not changed.
    ``error(w)`` is ``model.loss`` at w (D,); ``gradient(w)`` (D,) picks the entries of ``model.gradients``.
    """
    refs = tuple(refs)
    if len(refs) == 0:
        raise ValueError("refs must name at least one weight")
    if len(set(refs)) != len(refs):
        raise ValueError(f"refs must name distinct weights, got {refs!r}")
    net = _copy_model(model)
    places = [_resolve(net, ref) for ref in refs]
    w0 = np.array([float(_array(net.W, net.b, kind, l)[index]) for kind, l, index in places])

    def set_weights(w):
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (len(refs),):
            raise ValueError(f"w must have shape ({len(refs)},) to match refs, got {w.shape}")
        for value, (kind, l, index) in zip(w, places):
            _array(net.W, net.b, kind, l)[index] = value

    def error(w) -> float:
        set_weights(w)
        return net.loss(X, T)

    def gradient(w) -> np.ndarray:
        set_weights(w)
        grads = net.gradients(X, T)  # (dW, db)
        return np.array([float(_array(*grads, kind, l)[index]) for kind, l, index in places])

    return WeightSlice(error, gradient, w0, refs, tuple(_label(ref) for ref in refs))


def model_at(model: MLP, refs, w) -> MLP:
    """A copy of ``model`` whose weights named by ``refs`` (as in `weight_slice`) are set to w (D,)."""
    net = _copy_model(model)
    w = np.asarray(w, dtype=np.float64)
    refs = tuple(refs)
    if w.shape != (len(refs),):
        raise ValueError(f"w must have shape ({len(refs)},) to match refs, got {w.shape}")
    for value, ref in zip(w, refs):
        kind, l, index = _resolve(net, ref)
        _array(net.W, net.b, kind, l)[index] = value
    return net


def swap_hidden_units(model: MLP, layer: int, j: int, k: int) -> MLP:
    """A copy of ``model`` with hidden units j and k of ``layer`` (1..L-1) exchanged: rows of W^l, b^l and columns of W^(l+1).

    The network computes the same function, so its loss is unchanged (a weight-space symmetry).
    """
    net = _copy_model(model)
    L = net.n_layers
    if not is_count(layer) or layer > L - 1:
        raise ValueError(f"layer must be a hidden layer, an integer in 1..{L - 1}, got {layer!r}")
    M = net.W[layer].shape[0]
    j, k = (check_index(f"{name} (one of the hidden units of layer {layer})", u, M) for name, u in (("j", j), ("k", k)))
    W, b, W_next = net.W[layer], net.b[layer], net.W[layer + 1]
    W[[j, k]], b[[j, k]], W_next[:, [j, k]] = W[[k, j]], b[[k, j]], W_next[:, [k, j]]
    return net


def midpoint_error_ratio(error: Callable[[np.ndarray], float], w_a, w_b) -> float:
    """E((w_a + w_b) / 2) divided by (E(w_a) + E(w_b)) / 2, the chord's value there; a convex E gives at most 1."""
    w_a, w_b = (np.asarray(w, dtype=np.float64) for w in (w_a, w_b))
    if w_a.ndim != 1 or w_a.shape != w_b.shape:
        raise ValueError(f"w_a and w_b must be 1-D arrays of the same shape, got {w_a.shape} and {w_b.shape}")
    chord = 0.5 * (float(error(w_a)) + float(error(w_b)))
    if not chord > 0:
        raise ValueError(f"the errors at w_a and w_b must have a positive mean, got {chord}")
    return float(error(0.5 * (w_a + w_b))) / chord


def all_weight_refs(model: MLP) -> list[tuple]:
    """References to every weight and bias of ``model``, in the order W^1, b^1, ..., W^L, b^L (row-major)."""
    refs = []
    for l in range(1, model.n_layers + 1):
        refs += [("W", l, j, i) for j in range(model.W[l].shape[0]) for i in range(model.W[l].shape[1])]
        refs += [("b", l, j) for j in range(model.b[l].shape[0])]
    return refs


def numerical_hessian(gradient: Callable[[np.ndarray], np.ndarray], w, eps: float = 1e-5) -> np.ndarray:
    """Hessian (D, D) of E at w (D,) by central differences of its gradient, column k = (g(w+eps e_k) - g(w-eps e_k)) / 2eps, symmetrised."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"w must be a finite 1-D array, got shape {w.shape}")
    check_positive("eps", eps)
    steps = eps * np.eye(len(w))
    H = np.column_stack([(np.asarray(gradient(w + e)) - np.asarray(gradient(w - e))) / (2 * eps) for e in steps])
    return 0.5 * (H + H.T)


def _symmetric_matrix(A) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.all(np.isfinite(A)):
        raise ValueError(f"A must be a finite square matrix (D, D), got shape {A.shape}")
    if not np.allclose(A, A.T):
        raise ValueError("A must be symmetric (the Hessian of E = 1/2 w^T A w)")
    return A


def quadratic(A):
    """The quadratic error E(w) = 1/2 w^T A w and its gradient A w, for a symmetric A (D, D); returns (E, grad)."""
    A = _symmetric_matrix(A)
    return (lambda w: 0.5 * float(w @ A @ w)), (lambda w: A @ w)


def max_stable_learning_rate(A) -> float:
    """2 / lambda_max(A): gradient descent on E = 1/2 w^T A w converges for every start iff 0 < eta < this (A positive definite)."""
    lambdas = np.linalg.eigvalsh(_symmetric_matrix(A))
    if lambdas.min() <= 0:
        raise ValueError(f"A must be positive definite, got eigenvalues {lambdas}")
    return 2.0 / lambdas.max()


def path_errors(E: Callable[[np.ndarray], float], path) -> np.ndarray:
    """E at each iterate of a path (T, D) from `gradient_descent_path`: array (T,)."""
    path = np.asarray(path, dtype=np.float64)
    if path.ndim != 2 or len(path) == 0:
        raise ValueError(f"path must be a non-empty (T, D) array, got shape {path.shape}")
    return np.array([float(E(w)) for w in path])


def local_minima(E_grid) -> np.ndarray:
    """Grid indices (K, 2) of (row, column) = (w2 index, w1 index) of interior points strictly below all 8 neighbours, lowest first."""
    G = np.asarray(E_grid, dtype=np.float64)
    if G.ndim != 2 or min(G.shape) < 3:
        raise ValueError(f"E_grid must be a 2-D array of at least 3 x 3 values, got shape {G.shape}")
    centre = G[1:-1, 1:-1]
    lower = np.ones(centre.shape, dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                lower &= centre < G[1 + dr:G.shape[0] - 1 + dr, 1 + dc:G.shape[1] - 1 + dc]
    found = np.argwhere(lower) + 1
    return found[np.argsort(G[found[:, 0], found[:, 1]], kind="stable")]


def refine_minima(error, gradient, starts, tol: float = 1e-3) -> np.ndarray:
    """Distinct local minima (K, D) of E, found by BFGS from each start (S, D), lowest error first.

    Minima closer than ``tol`` to a lower one already found are merged (a grid's neighbouring local
    minima often lie in one flat valley). Use it to locate minima precisely, not to train.
    """
    starts = np.atleast_2d(np.asarray(starts, dtype=np.float64))
    if starts.ndim != 2 or len(starts) == 0 or not np.all(np.isfinite(starts)):
        raise ValueError(f"starts must be a finite (S, D) array with S >= 1, got shape {starts.shape}")
    found = [minimize(error, w, jac=gradient, method="BFGS", options={"gtol": 1e-10}).x for w in starts]
    found.sort(key=error)
    distinct = []
    for w in found:
        if all(np.linalg.norm(w - v) > tol for v in distinct):
            distinct.append(w)
    return np.array(distinct)


def train_from_seeds(sizes, X, T, seeds, epochs: int, eta: float, batch_size=None, **mlp_options):
    """The same ``MLP(sizes, seed=s, **mlp_options)`` trained from each seed; returns a list of (model, history).

    ``batch_size=None`` uses the whole batch, i.e. plain gradient descent ``w^(tau) = w^(tau-1) - eta grad E(w^(tau-1))``.
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    runs = []
    for seed in seeds:
        model = MLP(sizes, seed=seed, **mlp_options)
        history = model.fit(X, T, epochs=epochs, eta=eta, batch_size=batch_size or len(X), progress=False)
        runs.append((model, history))
    return runs
