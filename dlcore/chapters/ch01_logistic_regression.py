"""Chapter 1, logistic regression: posteriors, separability, step sizes, weight growth.

Equation labels refer to ``chapters/01_logistic_regression.ipynb``. Batches are rows: ``X`` is
``(N, d)``, the design matrix ``Phi`` is ``(N, M)``, class labels ``t`` are integers ``(N,)``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import multivariate_normal

from ..activations import softmax
from ..backend import to_numpy
from ..checks import check_count, check_labels, check_positive, check_same_length, check_X
from ..features import design_matrix
from ..separability import feasible_weights


def accuracy(predicted, t) -> float:
    """Fraction of labels with ``predicted[n] == t[n]``; both ``(N,)`` with N >= 1."""
    predicted, t = np.asarray(predicted), np.asarray(t)
    if predicted.ndim != 1 or predicted.shape != t.shape or len(t) == 0:
        raise ValueError(f"predicted and t must be non-empty (N,) arrays of equal shape; got {predicted.shape} and {t.shape}")
    return float(np.mean(predicted == t))


def softmax_jacobian(a) -> np.ndarray:
    """Jacobian ``dy_k/da_j = y_k (delta_kj - y_j)`` of ``y = softmax(a)`` (eq. logreg-softmax-jacobian): ``(N, K) -> (N, K, K)``."""
    a = check_X(a, name="a")
    y = softmax(a)
    return y[:, :, None] * (np.eye(a.shape[1])[None] - y[:, None, :])


def _check_gaussian_classes(means, cov, priors):
    means, cov, priors = np.atleast_2d(np.asarray(means, float)), np.asarray(cov, float), np.asarray(priors, float)
    K, d = means.shape
    if cov.shape != (d, d) or priors.shape != (K,):
        raise ValueError(f"for means of shape (K, d) = {means.shape}, cov must be ({d}, {d}) and priors ({K},); "
                         f"got cov {cov.shape} and priors {priors.shape}")
    if np.any(priors <= 0) or not np.isclose(priors.sum(), 1.0):
        raise ValueError(f"priors must be positive and sum to 1; got {priors}")
    return means, cov, priors


def gaussian_posteriors(X, means, cov, priors) -> np.ndarray:
    """Bayes' theorem ``p(C_k|x) = p(x|C_k) p(C_k) / sum_j p(x|C_j) p(C_j)`` for Gaussian classes ``N(mu_k, cov)``.

    ``X`` ``(N, d)``, ``means`` ``(K, d)``, ``cov`` ``(d, d)``, ``priors`` ``(K,)``; returns ``(N, K)``.
    """
    means, cov, priors = _check_gaussian_classes(means, cov, priors)
    X = check_X(X, means.shape[1])
    joint = np.column_stack([multivariate_normal(mu, cov).pdf(X) * p for mu, p in zip(means, priors)])
    return joint / joint.sum(axis=1, keepdims=True)


def sample_gaussian_classes(n: int, means, cov, priors, seed: int = 0):
    """``n`` samples: labels ``t`` ``(n,)`` drawn from ``priors`` ``(K,)``, then ``x ~ N(means[t], cov)``; returns ``(X (n, d), t)``."""
    means, cov, priors = _check_gaussian_classes(means, cov, priors)
    n = check_count("n", n)
    rng = np.random.default_rng(seed)
    t = rng.choice(len(priors), size=n, p=priors)
    return means[t] + rng.multivariate_normal(np.zeros(len(cov)), cov, size=n), t.astype(np.int64)


def gaussian_linear_weights(means, cov, priors) -> np.ndarray:
    """Weights ``W`` ``(K, d + 1)`` with ``p(C_k|x) = softmax(W [1, x])_k`` for Gaussian classes with shared ``cov``.

    Row k is ``[-mu_k^T S mu_k / 2 + ln p(C_k), (S mu_k)^T]`` with ``S = cov^-1`` (Bishop 2006, eqs. 4.68-4.70).
    """
    means, cov, priors = _check_gaussian_classes(means, cov, priors)
    S_mu = np.linalg.solve(cov, means.T).T  # (K, d): row k is S mu_k
    bias = -0.5 * np.sum(means * S_mu, axis=1) + np.log(priors)
    return np.column_stack([bias, S_mu])


def separating_weights(X, t):
    """A ``w`` ``(d + 1,)`` (bias first) with ``(2 t_n - 1) w^T [1, x_n] >= 1`` for all n, or None if none exists.

    Solves the feasibility linear programme; ``X`` ``(N, d)``, ``t`` ``(N,)`` in {0, 1}.
    """
    X, t = check_X(X), check_labels(t, 2)
    check_same_length(X, t, ("X", "t"))
    return feasible_weights((2 * t - 1)[:, None] * design_matrix(X))


def smoothness_constant(Phi, n_classes: int = 2) -> float:
    """Upper bound ``L`` on the Hessian of the mean error ``E / N``: ``lambda_max(Phi^T Phi) / (c N)``.

    ``c = 4`` for two classes (``y (1 - y) <= 1/4``), ``c = 2`` for K softmax classes; ``Phi`` is ``(N, M)``.
    Gradient descent on ``E / N`` decreases the error at every step when ``eta < 2 / L`` (eq. logreg-step-size).
    """
    Phi = check_X(Phi, name="Phi")
    check_count("n_classes", n_classes, 2)
    return float(np.linalg.eigvalsh(Phi.T @ Phi)[-1] / ((4 if n_classes == 2 else 2) * len(Phi)))


def gradient_descent_history(model, X, t, eta: float, epochs: int) -> dict:
    """Batch gradient descent from ``w = 0`` as ``model.fit`` runs it, recording every epoch.

    Returns ``{'loss': (epochs,) mean error E/N, 'weight_norm': (epochs,) ||w|| (Frobenius for W)}``
    after each step ``w <- w - (eta / N) grad E`` (eq. logreg-gd-update); ``model`` is a ``LogisticRegression``.
    """
    check_positive("eta (the learning rate)", eta)
    epochs = check_count("epochs", epochs)
    N = len(check_X(X))
    loss = model.fit(X, t, eta=eta, epochs=1)["loss"]  # the first step from w = 0
    norms = [float(np.linalg.norm(to_numpy(model.weights)))]
    for _ in range(epochs - 1):
        model.weights = model.weights - (eta / N) * model.gradient(X, t)
        loss.append(model.loss(X, t) / N)
        norms.append(float(np.linalg.norm(to_numpy(model.weights))))
    return {"loss": np.array(loss), "weight_norm": np.array(norms)}
