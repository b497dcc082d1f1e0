"""Error surfaces of small networks and the behaviour of gradient descent on them.

`weight_slice` turns an MLP's loss into a function E(w) of a few chosen weights
(the others fixed), with its gradient taken from backpropagation, ready for
`dlcore.surface.error_grid` and `dlcore.surface.gradient_descent_path`.
`quadratic` and `max_stable_learning_rate` give the quadratic model
E = 1/2 w^T A w, on which gradient descent converges exactly when
0 < eta < 2 / lambda_max; `numerical_hessian` measures the same curvature on
any error function. `model_at` and `swap_hidden_units` return modified copies
of a network (the latter shows a weight-space symmetry); `local_minima`,
`refine_minima`, `path_errors` and `train_from_seeds` are the small experiment
helpers of the chapter on error surfaces.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.optimize import minimize

from .mlp import MLP


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
    net.parameters = [(copy.deepcopy(W), copy.deepcopy(b)) for W, b in model.parameters]
    return net


def _resolve(model: MLP, ref) -> tuple[int, int, tuple]:
    """``("W", l, j, i)`` or ``("b", l, j)`` as (layer index l-1, 0 for W or 1 for b, array index), or ValueError."""
    if not isinstance(ref, tuple) or len(ref) < 2 or ref[0] not in ("W", "b"):
        raise ValueError(f"a weight reference must be ('W', l, j, i) or ('b', l, j), got {ref!r}")
    kind, layer, index = ref[0], ref[1], tuple(ref[2:])
    L = len(model.parameters)
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= L:
        raise ValueError(f"the layer l in {ref!r} must be an integer in 1..{L} (layers count from 1, as in W^l)")
    array = model.parameters[layer - 1][0 if kind == "W" else 1]
    shape = tuple(array.shape)
    if len(index) != len(shape) or not all(isinstance(k, (int, np.integer)) and 0 <= k < n for k, n in zip(index, shape)):
        raise ValueError(f"{ref!r} does not name an entry of {kind}^{layer}, which has shape {shape} (indices from 0)")
    return layer - 1, 0 if kind == "W" else 1, index


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
    w0 = np.array([float(net.parameters[l][k][index]) for l, k, index in places])

    def set_weights(w):
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (len(refs),):
            raise ValueError(f"w must have shape ({len(refs)},) to match refs, got {w.shape}")
        for value, (l, k, index) in zip(w, places):
            net.parameters[l][k][index] = value

    def error(w) -> float:
        set_weights(w)
        return net.loss(X, T)

    def gradient(w) -> np.ndarray:
        set_weights(w)
        grads = net.gradients(X, T)
        return np.array([float(grads[l][k][index]) for l, k, index in places])

    return WeightSlice(error, gradient, w0, refs, tuple(_label(ref) for ref in refs))


def model_at(model: MLP, refs, w) -> MLP:
    """A copy of ``model`` whose weights named by ``refs`` (as in `weight_slice`) are set to w (D,)."""
    net = _copy_model(model)
    w = np.asarray(w, dtype=np.float64)
    refs = tuple(refs)
    if w.shape != (len(refs),):
        raise ValueError(f"w must have shape ({len(refs)},) to match refs, got {w.shape}")
    for value, ref in zip(w, refs):
        l, k, index = _resolve(net, ref)
        net.parameters[l][k][index] = value
    return net


def swap_hidden_units(model: MLP, layer: int, j: int, k: int) -> MLP:
    """A copy of ``model`` with hidden units j and k of ``layer`` (1..L-1) exchanged: rows of W^l, b^l and columns of W^(l+1).

    The network computes the same function, so its loss is unchanged (a weight-space symmetry).
    """
    net = _copy_model(model)
    L = len(net.parameters)
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= L - 1:
        raise ValueError(f"layer must be a hidden layer, an integer in 1..{L - 1}, got {layer!r}")
    M = net.parameters[layer - 1][0].shape[0]
    if not all(isinstance(u, (int, np.integer)) and 0 <= u < M for u in (j, k)):
        raise ValueError(f"j and k must be hidden units of layer {layer}, integers in 0..{M - 1}, got {j!r} and {k!r}")
    (W, b), (W_next, _) = net.parameters[layer - 1], net.parameters[layer]
    W[[j, k]], b[[j, k]], W_next[:, [j, k]] = W[[k, j]], b[[k, j]], W_next[:, [k, j]]
    return net


def all_weight_refs(model: MLP) -> list[tuple]:
    """References to every weight and bias of ``model``, in the order W^1, b^1, ..., W^L, b^L (row-major)."""
    refs = []
    for l, (W, b) in enumerate(model.parameters, start=1):
        refs += [("W", l, j, i) for j in range(W.shape[0]) for i in range(W.shape[1])]
        refs += [("b", l, j) for j in range(b.shape[0])]
    return refs


def numerical_hessian(gradient: Callable[[np.ndarray], np.ndarray], w, eps: float = 1e-5) -> np.ndarray:
    """Hessian (D, D) of E at w (D,) by central differences of its gradient, column k = (g(w+eps e_k) - g(w-eps e_k)) / 2eps, symmetrised."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"w must be a finite 1-D array, got shape {w.shape}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
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
    """E at each iterate of a path (T, D) from `dlcore.surface.gradient_descent_path`: array (T,)."""
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

    ``batch_size=None`` uses the whole batch, i.e. plain gradient descent ``w^t = w^(t-1) - eta grad E(w^(t-1))``.
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
