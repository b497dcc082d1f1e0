"""Rosenblatt's perceptron (McCulloch & Pitts 1943; Rosenblatt 1958), targets in {-1, +1}.

The model is ``y(x) = f(w^T phi(x))`` with ``phi(x) = [1, x]`` and the step ``f(a) = +1`` if
``a >= 0`` else ``-1``. Training visits the samples one at a time and, for each sample that is
misclassified (``t_n w^T phi_n <= 0``), applies the update ``w <- w + eta t_n phi_n``. On linearly
separable data an epoch without mistakes comes after finitely many updates (the convergence
theorem); on data that is not separable, such as XOR, it never comes, so training stops at
``max_epochs`` and says so.
"""

from __future__ import annotations

import warnings

import numpy as np

from .checks import check_count, check_positive, check_signed_targets, check_X
from .features import design_matrix


class ConvergenceWarning(UserWarning):
    """Training stopped at its epoch limit without converging."""


class Perceptron:
    """Perceptron with learning rate ``eta``, at most ``max_epochs`` passes, seeded shuffling."""

    def __init__(self, eta=1.0, max_epochs=100, shuffle=True, seed=0):
        check_positive("eta (the learning rate)", eta)
        self.eta, self.max_epochs, self.shuffle = eta, check_count("max_epochs", max_epochs), shuffle
        self._rng = np.random.default_rng(seed)
        self.w = None
        self.mistakes_per_epoch: list[int] = []
        self.weight_history: list[np.ndarray] = []  # w after each epoch (w[0] is the bias)
        self.converged = False

    def fit(self, X, t):
        """Apply ``w <- w + eta t_n phi_n`` to each misclassified sample until an epoch has no mistakes."""
        X = check_X(X)
        t = check_signed_targets(t, len(X), "perceptron targets t")
        Phi = design_matrix(X)
        self.w = np.zeros(Phi.shape[1])
        self.mistakes_per_epoch, self.weight_history, self.converged = [], [], False
        for _ in range(self.max_epochs):
            order = self._rng.permutation(len(t)) if self.shuffle else np.arange(len(t))
            mistakes = sum(self._visit(Phi[n], t[n]) for n in order)
            self.mistakes_per_epoch.append(mistakes)
            self.weight_history.append(self.w.copy())
            if mistakes == 0:
                self.converged = True
                return self
        warnings.warn(
            f"the perceptron made mistakes in every one of its {self.max_epochs} epochs "
            f"({self.mistakes_per_epoch[-1]} in the last): the data may not be linearly separable",
            ConvergenceWarning, stacklevel=2)
        return self

    def decision_function(self, X) -> np.ndarray:
        """``w^T phi(x)`` for each row of ``X``: shape ``(N,)``."""
        if self.w is None:
            raise RuntimeError("this Perceptron is not fitted yet: call fit(X, t) first")
        return design_matrix(check_X(X, len(self.w) - 1)) @ self.w

    def predict(self, X) -> np.ndarray:
        """Class ``+1`` where ``w^T phi(x) >= 0``, else ``-1``: shape ``(N,)``."""
        return np.where(self.decision_function(X) >= 0, 1, -1)

    def _visit(self, phi_n, t_n) -> bool:
        """The perceptron rule on one sample; True if it was misclassified (and ``w`` updated)."""
        if t_n * (self.w @ phi_n) > 0:
            return False
        self.w += self.eta * t_n * phi_n
        return True
