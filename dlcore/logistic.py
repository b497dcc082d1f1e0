"""Logistic regression, 2-class (sigmoid) and K-class (softmax), by maximum likelihood.

On basis functions ``phi(x)`` (a leading 1 carries the bias):

* 2 classes: ``p(C_1 | phi) = y(phi) = sigma(w^T phi)``, weights ``w`` of shape ``(M,)``;
* K classes: ``p(C_k | phi) = y_k = exp(a_k) / sum_j exp(a_j)``, ``a_k = w_k^T phi``, weights ``W``
  of shape ``(K, M)`` whose row ``k`` is ``w_k``.

The error is the negative log-likelihood ``E = -sum_n ln p(t_n | phi_n)`` (a cross-entropy) and its
gradient is ``sum_n (y_n - t_n) phi_n`` in both cases. Training is gradient descent on that
gradient: the whole set each step (batch GD) or shuffled minibatches (SGD).
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from .activations import sigmoid, softmax
from .backend import resolve_backend, to_numpy
from .checks import check_count, check_labels, check_positive, check_same_length, check_X, one_hot
from .features import check_basis, design_matrix
from .losses import cross_entropy_sigmoid, cross_entropy_softmax

class LogisticRegression:
    """Logistic regression with ``n_classes`` classes on the basis ``'identity'`` or ``'polynomial'``."""

    def __init__(self, n_classes=2, basis="identity", degree=2, seed=0, device="cpu", dtype="float64"):
        self.n_classes = check_count("n_classes", n_classes, 2)
        self.basis, self.degree = check_basis(basis), check_count("degree", degree)
        self.backend = resolve_backend(device, dtype)
        self.weights = None  # w (M,) for 2 classes, W (K, M) for K classes; set by fit
        self._n_features = None
        self._shuffle_rng = np.random.default_rng(seed)

    def phi(self, X):
        """The design matrix ``Phi`` ``(N, M)`` of ``X`` ``(N, d)``, on the model's device."""
        X = check_X(X, self._n_features)
        return self.backend.asarray(design_matrix(X, self.basis, self.degree))

    def predict_proba(self, X) -> np.ndarray:
        """``p(C_1 | phi)`` as ``(N,)`` for 2 classes; ``p(C_k | phi)`` as ``(N, K)`` for K classes."""
        return to_numpy(self._y(self.phi(X), self._require_weights()))

    def predict(self, X) -> np.ndarray:
        """The most probable class ``(N,)``: ``y > 1/2`` for 2 classes, ``argmax_k y_k`` for K."""
        y = self.predict_proba(X)
        return (y > 0.5).astype(np.int64) if self.n_classes == 2 else np.argmax(y, axis=1)

    def score(self, X, t) -> float:
        """Accuracy: the fraction of samples whose most probable class is ``t_n``."""
        t = check_labels(t, self.n_classes)
        predictions = self.predict(X)
        check_same_length(predictions, t, ("X", "t"))
        return float(np.mean(predictions == t))

    def loss(self, X, t) -> float:
        """Negative log-likelihood ``E(w) = -sum_n ln p(t_n | phi_n)`` on labels ``t`` ``(N,)``."""
        Phi, T = self._as_data(X, t)
        return float(self._error(Phi, T, self._require_weights()))

    def gradient(self, X, t):
        """Maximum-likelihood gradient ``sum_n (y_n - t_n) phi_n``: ``(M,)``, or ``(K, M)`` with row ``j`` for ``w_j``."""
        Phi, T = self._as_data(X, t)
        return self._gradient(Phi, T, self._require_weights())

    def fit(self, X, t, eta=0.1, epochs=1000, batch_size=None, tol=1e-10,
            progress=False):
        """Gradient descent ``w <- w - (eta/B) sum_n (y_n - t_n) phi_n``.

        The sum runs over a batch of B samples. ``batch_size=None`` is batch
        GD on all N samples (B = N), which stops early once the mean
        gradient's largest entry falls below ``tol``; an integer is SGD on
        seeded shuffled minibatches. Returns the history of the mean error
        ``E / N`` per epoch.
        """
        X = check_X(X)
        self._n_features = X.shape[1]
        Phi, T = self._as_data(X, t)
        check_positive("eta (the learning rate)", eta)
        if batch_size is not None:
            batch_size = check_count("batch_size (None for batch GD)",
                                     batch_size)
        epochs = check_count("epochs", epochs)
        xp, N = self.backend.xp, Phi.shape[0]
        M = Phi.shape[1]
        shape = (M,) if self.n_classes == 2 else (self.n_classes, M)
        self.weights = self.backend.asarray(np.zeros(shape))
        history = {"loss": [], "converged": False}
        for _ in tqdm(range(epochs), desc="training", unit="epoch",
                      disable=not progress, leave=False):
            if batch_size is None:
                gradient = self._gradient(Phi, T, self.weights) / N
                self.weights -= eta * gradient
                if float(xp.max(xp.abs(gradient))) < tol:
                    history["converged"] = True
            else:
                self._sgd_epoch(Phi, T, eta, batch_size)
            E = float(self._error(Phi, T, self.weights))
            history["loss"].append(E / N)
            if history["converged"]:
                break
        return history

    def _sgd_epoch(self, Phi, T, eta, batch_size):
        xp = self.backend.xp
        order = self.backend.asarray(self._shuffle_rng.permutation(Phi.shape[0]), dtype=xp.int64)
        Phi, T = xp.take(Phi, order, axis=0), xp.take(T, order, axis=0)
        for start in range(0, Phi.shape[0], batch_size):
            Phi_b, T_b = Phi[start:start + batch_size], T[start:start + batch_size]
            self.weights -= (eta / Phi_b.shape[0]) * self._gradient(Phi_b, T_b, self.weights)

    def _y(self, Phi, w):
        return sigmoid(Phi @ w) if self.n_classes == 2 else softmax(Phi @ w.T)

    def _gradient(self, Phi, T, w):
        y = self._y(Phi, w)
        return (y - T) @ Phi if self.n_classes == 2 else (y - T).T @ Phi

    def _error(self, Phi, T, w):
        xp = self.backend.xp
        if self.n_classes == 2:
            return xp.sum(cross_entropy_sigmoid((Phi @ w)[:, None], T[:, None]))
        return xp.sum(cross_entropy_softmax(Phi @ w.T, T))

    def _as_data(self, X, t):
        """``Phi`` and the targets: ``t`` ``(N,)`` in {0, 1} for 2 classes, one-hot ``T`` ``(N, K)`` for K."""
        Phi = self.phi(X)
        t = check_labels(t, self.n_classes)
        check_same_length(Phi, t, ("X", "t"))
        T = t.astype(np.float64) if self.n_classes == 2 else one_hot(t, self.n_classes)
        return Phi, self.backend.asarray(T)

    def _require_weights(self):
        if self.weights is None:
            raise RuntimeError("this LogisticRegression is not fitted yet: call fit(X, t) first")
        return self.weights

