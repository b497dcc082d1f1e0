"""Input checks with messages that name the problem, and target encodings.

Every public entry point of dlcore passes its inputs through these functions
once, so bad input fails early with "expected ..., got ..." instead of
broadcasting silently or failing deep inside numpy.
"""

from __future__ import annotations

import numpy as np

from .backend import to_numpy


def check_X(X, n_features: int | None = None, name: str = "X") -> np.ndarray:
    """``X`` as a finite 2-D numpy array ``(N, n_features)``, or ValueError saying what is wrong."""
    X = to_numpy(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D with shape (N, features); got shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} features (shape (N, {n_features})); got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers; got dtype {X.dtype}")
    bad = ~np.isfinite(X)
    if bad.any():
        raise ValueError(f"{name} contains NaN or inf ({int(bad.sum())} entries, first at row {np.argwhere(bad)[0][0]})")
    return X


def is_count(value, minimum: int = 1) -> bool:
    """Whether ``value`` is an integer ``>= minimum`` (``True`` and ``2.0`` are not integers here)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value >= minimum


def check_count(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int ``>= minimum`` (a number of samples, classes, repeats), or ValueError."""
    if not is_count(value, minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_sizes(sizes) -> list:
    """Layer sizes ``[d, M_1, ..., K]`` as a list of at least two positive ints, or ValueError."""
    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2 or not all(is_count(m) for m in sizes):
        raise ValueError(f"sizes must be a list [d, M_1, ..., K] of at least two positive integers; got {sizes!r}")
    return [int(m) for m in sizes]


def check_same_length(X, T, names=("X", "T")) -> None:
    """ValueError unless ``X`` and ``T`` have the same number of rows."""
    if len(X) != len(T):
        raise ValueError(f"{names[0]} has {len(X)} rows but {names[1]} has {len(T)}: one target per sample is needed")


def check_positive(name: str, value) -> None:
    """ValueError unless ``value`` is a finite number > 0."""
    if isinstance(value, bool) or not (isinstance(value, (int, float, np.number)) and np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number; got {value!r}")


def check_non_negative(name: str, value) -> float:
    """``value`` as a float, or ValueError unless it is a finite number >= 0."""
    if isinstance(value, bool) or not (isinstance(value, (int, float, np.number)) and np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a number >= 0; got {value!r}")
    return float(value)


def check_labels(t, n_classes: int, name: str = "t") -> np.ndarray:
    """Integer class labels ``(N,)`` in ``[0, n_classes - 1]``, or ValueError naming the bad values."""
    t = to_numpy(t)
    if t.ndim != 1:
        raise ValueError(f"class labels {name} must have shape (N,); got shape {t.shape}")
    if not np.issubdtype(t.dtype, np.number) or not np.all(np.isfinite(t)) or not np.all(np.mod(t, 1) == 0):
        raise ValueError(f"class labels {name} must be integers; got dtype {t.dtype} with non-integer values")
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(
            f"class labels {name} must lie in [0, {n_classes - 1}] for {n_classes} classes; "
            f"got values from {t.min()} to {t.max()}"
        )
    return t.astype(np.int64)


def one_hot(t, n_classes: int, name: str = "t") -> np.ndarray:
    """1-of-K coding: labels ``(N,)`` in ``[0, K-1]`` to ``T`` of shape ``(N, K)`` with ``T[n, t_n] = 1``."""
    t = check_labels(t, n_classes, name)
    T = np.zeros((len(t), n_classes))
    T[np.arange(len(t)), t] = 1.0
    return T


def check_targets(T, n_outputs: int, output: str, name: str = "T") -> np.ndarray:
    """Targets as a float ``(N, K)`` array for an output layer of ``n_outputs`` units.

    softmax: integer labels ``(N,)`` or one-hot rows ``(N, K)``; sigmoid: values in
    ``{0, 1}`` (``(N,)`` allowed when K = 1); identity: any finite reals.
    """
    T = to_numpy(T)
    if output == "softmax" and T.ndim == 1:
        return one_hot(T, n_outputs, name)
    if T.ndim == 1 and n_outputs == 1:
        T = T[:, None]
    if T.ndim != 2 or T.shape[1] != n_outputs:
        raise ValueError(f"{name} must have shape (N, {n_outputs}) for {n_outputs} output units; got shape {T.shape}")
    T = T.astype(np.float64)
    if not np.all(np.isfinite(T)):
        raise ValueError(f"{name} contains NaN or inf")
    if output == "softmax" and not (np.all((T == 0) | (T == 1)) and np.all(T.sum(axis=1) == 1)):
        raise ValueError(f"{name} for a softmax output must be one-hot rows (one 1 per row) or integer labels (N,)")
    if output == "sigmoid" and not np.all((T == 0) | (T == 1)):
        raise ValueError(f"{name} for a sigmoid output must be 0 or 1; got values from {T.min()} to {T.max()}")
    return T


def check_index(name: str, value, n: int) -> int:
    """``value`` as an int in ``0, ..., n - 1`` (a unit or an array index, counted from 0), or ValueError."""
    if not is_count(value, 0) or value >= n:
        raise ValueError(f"{name} must be an integer in 0..{n - 1}; got {value!r}")
    return int(value)


def check_signed_targets(t, n_samples: int | None = None, name: str = "targets t") -> np.ndarray:
    """Signed targets ``t`` ``(N,)`` in {-1, +1} as float64, or ValueError (``n_samples``: the N they must have)."""
    t = to_numpy(t)
    if t.ndim != 1 or (n_samples is not None and len(t) != n_samples):
        expected = "(N,)" if n_samples is None else f"({n_samples},)"
        raise ValueError(f"{name} must have shape {expected}; got shape {t.shape}")
    if not np.all(np.isin(t, (-1, 1))):
        raise ValueError(f"{name} must be -1 or +1; got values {np.unique(t)[:10].tolist()}")
    return t.astype(np.float64)
