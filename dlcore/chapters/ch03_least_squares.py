"""Chapter 3, least squares for classification (Bishop 2006, section 4.1.3), and the data that shows its failures.

Each class ``C_k`` gets a linear output ``y_k(x) = w_k^T phi(x)``; stacked, ``y(x) = W~^T phi(x)``
with ``W~`` of shape ``(M, K)`` whose column ``k`` is ``w_k`` (this is the transpose of the
``(K, M)`` layout of `dlcore.LogisticRegression`). The targets are 1-of-K rows ``T`` ``(N, K)`` and
the weights minimise the sum-of-squares error

    ``E_D(W~) = 1/2 Tr{(Phi W~ - T)^T (Phi W~ - T)}``,

whose gradient is ``Phi^T (Phi W~ - T)``; setting it to zero gives the normal equations
``Phi^T Phi W~ = Phi^T T`` and ``W~ = (Phi^T Phi)^(-1) Phi^T T``, which `fit_least_squares` solves
with ``numpy.linalg.lstsq`` (stable, and correct even when ``Phi^T Phi`` is singular). A new input
goes to the class with the largest output, ``argmax_k y_k(x)``.
"""

from __future__ import annotations

import numpy as np

from ..checks import check_count, check_labels, check_positive, check_same_length, check_X, one_hot
from ..features import check_basis, design_matrix


def _check_shapes(W, Phi, T):
    Phi, T, W = (np.asarray(a, dtype=np.float64) for a in (Phi, T, W))
    if Phi.ndim != 2 or T.ndim != 2 or W.ndim != 2:
        raise ValueError(f"Phi, T and W~ must be 2-D; got shapes {Phi.shape}, {T.shape} and {W.shape}")
    if W.shape != (Phi.shape[1], T.shape[1]) or len(Phi) != len(T):
        raise ValueError(f"need Phi (N, M), T (N, K) and W~ (M, K); got Phi {Phi.shape}, T {T.shape}, W~ {W.shape}")
    return W, Phi, T


def sum_of_squares_error(W, Phi, T) -> float:
    """``E_D(W~) = 1/2 Tr{(Phi W~ - T)^T (Phi W~ - T)}`` for W~ ``(M, K)``, Phi ``(N, M)``, T ``(N, K)``."""
    W, Phi, T = _check_shapes(W, Phi, T)
    residual = Phi @ W - T
    return 0.5 * float(np.trace(residual.T @ residual))


def sum_of_squares_gradient(W, Phi, T) -> np.ndarray:
    """``dE_D/dW~ = Phi^T (Phi W~ - T)``, shape ``(M, K)``; row ``i`` column ``k`` is ``sum_n (y_nk - t_nk) phi_ni``."""
    W, Phi, T = _check_shapes(W, Phi, T)
    return Phi.T @ (Phi @ W - T)


def fit_least_squares(Phi, T) -> np.ndarray:
    """``W~ = (Phi^T Phi)^(-1) Phi^T T``, shape ``(M, K)``.

    From Phi ``(N, M)`` and T ``(N, K)``, by ``lstsq`` (no inverse).
    """
    Phi = np.asarray(Phi, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if Phi.ndim != 2 or T.ndim != 2 or len(Phi) != len(T):
        raise ValueError(
            "need Phi (N, M) and T (N, K) with the same N; got shapes"
            f" {Phi.shape} and {T.shape}"
        )
    return np.linalg.lstsq(Phi, T, rcond=None)[0]


def per_sample_gradients(y, t, Phi) -> np.ndarray:
    """Each sample's term ``(y_n - t_n) phi_n`` of a gradient ``sum_n (y_n - t_n) phi_n``: ``(N, K, M)``.

    ``y`` and ``t`` are ``(N, K)`` (or ``(N,)`` for one output, giving ``(N, 1, M)``), Phi ``(N, M)``.
    """
    y, t, Phi = (np.asarray(a, dtype=np.float64) for a in (y, t, Phi))
    y, t = (a[:, None] if a.ndim == 1 else a for a in (y, t))
    if y.shape != t.shape or Phi.ndim != 2 or len(Phi) != len(y):
        raise ValueError(f"need y and t (N, K) and Phi (N, M); got {y.shape}, {t.shape} and {Phi.shape}")
    return (y - t)[:, :, None] * Phi[:, None, :]


class LeastSquaresClassifier:
    """Least-squares classifier with 1-of-K targets on the basis ``'identity'`` (``[1, x]``) or ``'polynomial'``."""

    def __init__(self, n_classes=2, basis="identity", degree=2):
        self.n_classes = check_count("n_classes", n_classes, 2)
        self.basis, self.degree = check_basis(basis), check_count("degree", degree)
        self.weights = None  # W~ (M, K), set by fit
        self._n_features = None

    def phi(self, X) -> np.ndarray:
        """The design matrix ``Phi`` ``(N, M)`` of ``X`` ``(N, d)``."""
        return design_matrix(check_X(X, self._n_features), self.basis, self.degree)

    def fit(self, X, t):
        """Solve for ``W~`` on ``X`` ``(N, d)`` and labels ``t`` ``(N,)`` in ``[0, K-1]``; returns ``self``."""
        X = check_X(X)
        t = check_labels(t, self.n_classes)
        check_same_length(X, t, ("X", "t"))
        self._n_features = X.shape[1]
        self.weights = fit_least_squares(self.phi(X), one_hot(t, self.n_classes))
        return self

    def decision_function(self, X) -> np.ndarray:
        """The outputs ``y(x) = W~^T phi(x)`` for each row: ``Phi W~`` of shape ``(N, K)``."""
        if self.weights is None:
            raise RuntimeError("this LeastSquaresClassifier is not fitted yet: call fit(X, t) first")
        return self.phi(X) @ self.weights

    def predict(self, X) -> np.ndarray:
        """The class with the largest output, ``argmax_k y_k(x)``: ``(N,)`` integers."""
        return np.argmax(self.decision_function(X), axis=1)

    def score(self, X, t) -> float:
        """Accuracy: the fraction of rows whose predicted class equals ``t``."""
        return float(np.mean(self.predict(X) == np.asarray(t)))


def two_class_boundary(W) -> np.ndarray:
    """The 2-class least-squares boundary ``y_1 = y_0`` as one weight vector ``w_1 - w_0``: ``(M, 2) -> (M,)``."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[1] != 2:
        raise ValueError(f"W~ must have shape (M, 2) for two classes; got {W.shape}")
    return W[:, 1] - W[:, 0]


def make_two_blobs_with_outliers(n=40, n_outliers=10, seed=0):
    """Two 2-D Gaussian classes (n each) and, if ``n_outliers`` > 0, that many extra class-1 points far
    away on class 1's side (Bishop 2006, figure 4.4). Returns X ``(2n + n_outliers, 2)``, t in {0, 1}.
    """
    n, n_outliers = check_count("n", n), check_count("n_outliers", n_outliers, 0)
    rng = np.random.default_rng(seed)
    class0 = np.array([-1.0, 1.0]) + 0.7 * rng.normal(size=(n, 2))
    class1 = np.array([1.0, -1.0]) + 0.7 * rng.normal(size=(n, 2))
    outliers = np.array([7.0, -6.0]) + 0.6 * rng.normal(size=(n_outliers, 2))
    X = np.vstack([class0, class1, outliers])
    t = np.repeat(np.array([0, 1, 1], dtype=np.int64), [n, n, n_outliers])
    return X, t


def make_three_in_a_row(n=50, spacing=3.0, seed=0):
    """Three 2-D Gaussian classes (n each) centred on the diagonal at ``-spacing, 0, +spacing`` times
    ``(1, 1)/sqrt 2`` (Bishop 2006, figure 4.5). Returns X ``(3n, 2)`` and t ``(3n,)`` in {0, 1, 2}.
    """
    n = check_count("n", n)
    check_positive("spacing", spacing)
    rng = np.random.default_rng(seed)
    direction = np.array([1.0, 1.0]) / np.sqrt(2.0)
    centres = np.array([-spacing, 0.0, spacing])[:, None] * direction
    X = np.vstack([c + 0.6 * rng.normal(size=(n, 2)) for c in centres])
    t = np.repeat(np.arange(3, dtype=np.int64), n)
    return X, t
