"""Data sets for the course: small 2-D toy problems and standardised real splits.

The toy generators (`make_separable_blobs`, `xor_points`, `make_xor`,
`make_moons`, `make_spirals`) return ``(X, t)`` with ``X`` of shape
``(N, 2)`` (float64) and integer targets ``t`` of shape ``(N,)`` (int64).
`split_standardise` and the ``load_*`` functions return a `Split`: a seeded,
stratified train/validation/test split whose standardisation is fitted on the
training part only. Everything is deterministic given ``seed`` and nothing is
downloaded (the real data sets ship with scikit-learn). scikit-learn is imported where it is
used, so that importing this module stays cheap (the autograder's sandbox imports it for every
submission of labs 3 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import check_count, check_non_negative

_XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_LABELS = np.array([0, 1, 1, 0], dtype=np.int64)


def _shuffled(X: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(t))
    return X[order], t[order]


def make_separable_blobs(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds in 2-D, separated by the line x1 + x2 = 0 with margin >= 0.5.

    Points that would fall inside the margin are redrawn, so the classes are
    linearly separable by construction. Returns X (n, 2) float64 and t (n,)
    int64 in {0, 1} (class 0 below the line, class 1 above; sizes n//2 and n - n//2).
    """
    check_count("n", n, 2)
    rng = np.random.default_rng(seed)
    normal = np.array([1.0, 1.0]) / np.sqrt(2.0)
    margin = 0.5
    clouds = []
    for label, size in ((0, n // 2), (1, n - n // 2)):
        centre = (2 * label - 1) * 1.5 * normal
        sign = 2 * label - 1
        accepted = np.empty((0, 2))
        while len(accepted) < size:
            candidates = centre + rng.normal(size=(size, 2))
            outside_margin = sign * (candidates @ normal) >= margin
            accepted = np.vstack([accepted, candidates[outside_margin]])
        clouds.append(accepted[:size])
    X = np.vstack(clouds)
    t = np.repeat(np.array([0, 1], dtype=np.int64), [n // 2, n - n // 2])
    return _shuffled(X, t, rng)


def xor_points() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: X (4, 2) float64 = [[0,0],[0,1],[1,0],[1,1]], t (4,) int64 = [0,1,1,0]."""
    return _XOR_CORNERS.copy(), _XOR_LABELS.copy()


def make_xor(n: int = 200, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy clouds around the four XOR corners (as equal as n allows), labelled by XOR of the corner.

    ``noise`` is the standard deviation of the isotropic Gaussian around each
    corner. Returns X (n, 2) float64 and t (n,) int64 in {0, 1}.
    """
    check_count("n", n, 1)
    check_non_negative("noise", noise)
    rng = np.random.default_rng(seed)
    corner = rng.permutation(np.arange(n) % 4)
    X = _XOR_CORNERS[corner] + noise * rng.normal(size=(n, 2))
    return X, _XOR_LABELS[corner]


def make_moons(n: int = 200, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's make_moons): X (n, 2) float64, t (n,) int64 in {0, 1}."""
    check_count("n", n, 2)
    check_non_negative("noise", noise)
    import sklearn.datasets

    X, t = sklearn.datasets.make_moons(n_samples=n, noise=noise, random_state=seed)
    return X.astype(np.float64), t.astype(np.int64)


def make_spirals(
    n: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved 2-D spirals, one arm per class (the CS231n-style set).

    Arm k has radius r in [0, 1] and angle 2*pi*k/n_classes + 4*r plus Gaussian
    noise of standard deviation ``noise`` (radians). The n points are split
    evenly across classes (sizes differ by at most one). Returns X (n, 2)
    float64 and t (n,) int64 in {0, ..., n_classes - 1}.
    """
    check_count("n_classes", n_classes, 2)
    check_count("n", n, n_classes)
    check_non_negative("noise", noise)
    rng = np.random.default_rng(seed)
    sizes = [n // n_classes + (k < n % n_classes) for k in range(n_classes)]
    t = np.repeat(np.arange(n_classes, dtype=np.int64), sizes)
    radius = np.concatenate([np.linspace(0.0, 1.0, size) for size in sizes])
    angle = 2 * np.pi * t / n_classes + 4.0 * radius + noise * rng.normal(size=n)
    X = radius[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    return _shuffled(X, t, rng)


@dataclass(frozen=True, eq=False)
class Split:
    """A train/validation/test split; X parts are standardised with the training ``mean``/``std``.

    ``X_*`` are (N_part, features) float64, ``t_*`` are (N_part,) int64;
    ``mean`` and ``std`` have shape (features,) so that raw = X * std + mean.
    (``eq=False``: equality of arrays is not a single bool, so compare fields explicitly.)
    """

    X_train: np.ndarray
    t_train: np.ndarray
    X_val: np.ndarray
    t_val: np.ndarray
    X_test: np.ndarray
    t_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]

    @property
    def n_features(self) -> int:
        """Number of input features (columns of X)."""
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of classes K (labels are 0, ..., K - 1)."""
        return len(self.class_names)


def _validated_arrays(X, t) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    t = np.asarray(t)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (N, features), got shape {X.shape}")
    if t.ndim != 1:
        raise ValueError(f"t must be 1-D (N,), got shape {t.shape}")
    if len(X) != len(t):
        raise ValueError(f"X and t must have the same length, got len(X)={len(X)} and len(t)={len(t)}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"X must be finite, got {np.count_nonzero(~np.isfinite(X))} NaN/inf entries")
    if len(t) == 0:
        raise ValueError("X and t must hold at least one row, got 0")
    t_int = t.astype(np.int64)
    if not np.array_equal(t_int, t) or t_int.min() < 0:
        raise ValueError(f"t must hold integer labels >= 0, got values such as {t[:5]!r}")
    return X, t_int


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= value < 1:
            raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            "val_fraction + test_fraction must be < 1 to leave training data, "
            f"got {val_fraction} + {test_fraction} = {val_fraction + test_fraction}"
        )


def _stratified_take(X, t, fraction, seed):
    """Split (X, t) into (X_rest, X_taken, t_rest, t_taken), taking ``fraction`` stratified by t."""
    if fraction == 0:
        return X, X[:0], t, t[:0]
    from sklearn.model_selection import train_test_split

    return train_test_split(X, t, test_size=fraction, stratify=t, random_state=seed)


def _training_statistics(X_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and std (features,); a (numerically) constant feature gets std 1."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    constant = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
    return mean, np.where(constant, 1.0, std)


def _names(given, default: tuple[str, ...], what: str) -> tuple[str, ...]:
    names = default if given is None else tuple(str(name) for name in given)
    if len(names) != len(default):
        raise ValueError(f"expected {len(default)} {what}, got {len(names)}")
    return names


def split_standardise(
    X,
    t,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    standardise: bool = True,
    feature_names=None,
    class_names=None,
) -> Split:
    """Seeded, stratified train/validation/test split of X (N, features), t (N,), standardised on train.

    The mean and std are computed on the training rows only and applied to all
    three parts; a feature with zero training std is only centred (std 1).
    With ``standardise=False`` mean is 0 and std is 1. ``val_fraction=0`` or
    ``test_fraction=0`` gives empty (0, features) parts. Default names are
    "x1", "x2", ... and "0", "1", ... (K = max(t) + 1 classes).
    """
    _check_fractions(val_fraction, test_fraction)
    X, t = _validated_arrays(X, t)
    feature_names = _names(feature_names, tuple(f"x{j + 1}" for j in range(X.shape[1])), "feature names")
    class_names = _names(class_names, tuple(str(k) for k in range(t.max() + 1)), "class names")

    X_rest, X_test, t_rest, t_test = _stratified_take(X, t, test_fraction, seed)
    X_train, X_val, t_train, t_val = _stratified_take(X_rest, t_rest, val_fraction / (1 - test_fraction), seed)

    if standardise:
        mean, std = _training_statistics(X_train)
    else:
        mean, std = np.zeros(X.shape[1]), np.ones(X.shape[1])
    return Split(
        X_train=(X_train - mean) / std,
        t_train=t_train,
        X_val=(X_val - mean) / std,
        t_val=t_val,
        X_test=(X_test - mean) / std,
        t_test=t_test,
        mean=mean,
        std=std,
        feature_names=feature_names,
        class_names=class_names,
    )


def _bundled(loader: str):
    """One of scikit-learn's bundled data sets (they ship with the package: nothing is downloaded)."""
    import sklearn.datasets

    return getattr(sklearn.datasets, loader)()


def _split_bunch(bunch, seed: int, kwargs) -> Split:
    return split_standardise(
        bunch.data,
        bunch.target,
        seed=seed,
        feature_names=bunch.feature_names,
        class_names=bunch.target_names,
        **kwargs,
    )


def load_breast_cancer(seed: int = 0, **kwargs) -> Split:
    """Wisconsin breast cancer (569 rows, 30 features, 2 classes) as a standardised `Split`."""
    return _split_bunch(_bundled("load_breast_cancer"), seed, kwargs)


def load_iris(seed: int = 0, **kwargs) -> Split:
    """Iris flowers (150 rows, 4 features, 3 classes) as a standardised `Split`."""
    return _split_bunch(_bundled("load_iris"), seed, kwargs)


def load_wine(seed: int = 0, **kwargs) -> Split:
    """Wine cultivars (178 rows, 13 features, 3 classes) as a standardised `Split`."""
    return _split_bunch(_bundled("load_wine"), seed, kwargs)


def load_digits(seed: int = 0, **kwargs) -> Split:
    """Handwritten digits, 8x8 images flattened (1797 rows, 64 features, 10 classes), as a standardised `Split`."""
    return _split_bunch(_bundled("load_digits"), seed, kwargs)
