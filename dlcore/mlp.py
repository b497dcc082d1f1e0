"""The multi-layer perceptron, trained by stochastic gradient descent with backpropagation.

``MLP(sizes=[d, M_1, ..., K])`` holds the weights ``W[l]`` of shape ``(M_l, M_(l-1))`` and the
biases ``b[l]`` for ``l = 1, ..., L``, indexed by the lecture's layer number. The numerics live in
:mod:`dlcore.backprop` (forward pass, delta recursion, weight gradients) and
:mod:`dlcore.losses` (errors and output delta); this class holds the weights,
checks inputs, and runs the training loop. The same code runs on numpy and on
torch tensors (CPU or CUDA), chosen by ``device`` (see :mod:`dlcore.backend`).
"""

from __future__ import annotations

import math

import numpy as np
from tqdm.auto import tqdm

from .activations import get_activation
from .backend import resolve_backend, to_numpy
from .backprop import backprop_deltas, forward, weight_gradients
from .checks import (check_count, check_non_negative, check_positive, check_same_length, check_sizes,
                     check_targets, check_X)
from .initialisation import init_parameters
from .losses import get_objective, weight_decay


class MLP:
    """Multi-layer perceptron ``y = g_out(W^L g(... g(W^1 x + b^1) ...) + b^L)``.

    ``sizes = [d, M_1, ..., K]``; ``activation`` (sigmoid, tanh, relu) for the hidden layers;
    ``output`` (softmax, sigmoid, identity) with ``loss`` (cross_entropy, mse);
    ``weight_decay`` is the lambda of ``(lambda/2) sum_l ||W^l||^2``; ``init`` is 'xavier', 'he' or a
    standard deviation; ``device`` is 'cpu' (numpy), 'torch', 'cuda' or 'auto'.
    The weights are the lists ``W`` and ``b``, indexed by layer: ``W[l]`` is ``W^l`` for
    ``l = 1, ..., L`` (``W[0] = b[0] = None``), as in :mod:`dlcore.backprop`.
    """

    def __init__(self, sizes, activation="tanh", output="softmax", loss="cross_entropy",
                 weight_decay=0.0, init="xavier", seed=0, device="cpu", dtype="float64"):
        self.sizes = check_sizes(sizes)
        self.activation = get_activation(activation)
        self.objective = get_objective(output, loss)
        self.weight_decay = check_non_negative("weight_decay", weight_decay)
        self.backend = resolve_backend(device, dtype)
        W, b = init_parameters(self.sizes, init, seed)
        self.W = [None] + [self.backend.from_numpy(W_l) for W_l in W[1:]]
        self.b = [None] + [self.backend.from_numpy(b_l) for b_l in b[1:]]
        self._shuffle_rng = np.random.default_rng([seed, 1])

    @property
    def n_layers(self) -> int:
        return len(self.W) - 1

    @property
    def n_classes(self) -> int:
        return self.sizes[-1]

    def forward(self, X):
        """Forward pass (eq. ``a^l = z^(l-1) W^l.T + b^l``, ``z^l = g(a^l)``): lists ``a``, ``z`` indexed by ``l``."""
        return self._forward(self._as_X(X))

    def loss(self, X, T) -> float:
        """``(1/N) sum_n E^n + (lambda/2) sum_l ||W^l||^2`` on the batch ``X`` ``(N, d)``, targets ``T``."""
        return self._evaluate(X, T)[0] + self._decay()

    def error(self, X, T) -> float:
        """The data term alone, ``(1/N) sum_n E^n``, without the weight-decay penalty."""
        return self._evaluate(X, T)[0]

    def gradients(self, X, T):
        """Gradient of :meth:`loss` by backpropagation: ``(dW, db)`` indexed like ``W`` and ``b``."""
        X, T = self._as_batch(X, T)
        a, z = self._forward(X)
        dW, db = self._backward(a, z, T, 1.0 / X.shape[0])
        for l in range(1, self.n_layers + 1):
            dW[l] = dW[l] + self.weight_decay * self.W[l]  # d/dW of (lambda/2) ||W||^2
        return dW, db

    def predict_proba(self, X) -> np.ndarray:
        """Network outputs ``y = z^L`` as numpy ``(N, K)``: posterior probabilities for softmax/sigmoid."""
        return to_numpy(self.forward(X)[1][-1])

    def predict(self, X) -> np.ndarray:
        """Class labels ``(N,)`` (softmax: argmax; sigmoid: ``y > 1/2``, ``(N,)`` if K = 1); identity: ``y``."""
        y = self.predict_proba(X)
        if self.objective.output == "softmax":
            return np.argmax(y, axis=1)
        if self.objective.output == "sigmoid":
            y = (y > 0.5).astype(np.int64)
        return y[:, 0] if y.shape[1] == 1 else y

    def score(self, X, T) -> float:
        """Accuracy on ``(X, T)``: the fraction of correct labels (NaN for an identity output)."""
        return self._evaluate(X, T)[1]

    def fit(self, X, T, epochs=10, eta=0.1, batch_size=32, X_val=None, T_val=None, patience=None, progress=True):
        """Minibatch SGD, ``W^l <- W^l - eta (dE/dW^l + lambda W^l)``, for ``epochs`` passes over shuffled data.

        With ``X_val, T_val`` and ``patience``, stops once the validation error (without the penalty)
        has not improved for ``patience`` epochs ("error in validation reaching saturation") and
        restores the best weights. Returns the history: per-epoch ``train_loss`` (with the penalty),
        ``train_accuracy`` (averaged over the epoch's batches), ``val_loss`` (with the penalty),
        ``val_error`` (without it), ``val_accuracy``, with ``best_epoch`` and ``stopped_early``.
        Raises :class:`TrainingDiverged` as soon as a loss is no longer finite.
        """
        X, T = self._as_batch(X, T)
        if (X_val is None) != (T_val is None):
            raise ValueError("X_val and T_val must be given together (or neither)")
        val = None if X_val is None else self._as_batch(X_val, T_val, names=("X_val", "T_val"))
        epochs, batch_size, patience = _check_fit_options(epochs, eta, batch_size, patience, val)
        history = {"train_loss": [], "train_accuracy": [], "val_loss": [], "val_error": [], "val_accuracy": [],
                   "best_epoch": None, "stopped_early": False}
        best = (math.inf, None)
        with tqdm(range(epochs), desc="training", unit="epoch", disable=not progress, leave=False) as bar:
            for epoch in bar:
                train_error, train_accuracy = self._epoch(X, T, eta, batch_size)
                decay = self._decay()
                _check_finite("training loss", train_error + decay, epoch, eta)
                history["train_loss"].append(train_error + decay)
                history["train_accuracy"].append(train_accuracy)
                postfix = {"loss": f"{train_error + decay:.4f}"}
                if val is not None:
                    val_error, val_accuracy = self._metrics(self._forward(val[0])[0][-1], val[1])
                    _check_finite("validation error", val_error, epoch, eta)
                    history["val_loss"].append(val_error + decay)
                    history["val_error"].append(val_error)
                    history["val_accuracy"].append(val_accuracy)
                    postfix["val_error"] = f"{val_error:.4f}"
                    if val_error < best[0]:
                        best = (val_error, self._copy_weights())
                        history["best_epoch"] = epoch
                    elif patience is not None and epoch - history["best_epoch"] >= patience:
                        history["stopped_early"] = True
                        self.W, self.b = best[1]
                        break
                bar.set_postfix(postfix, refresh=False)
        return history

    # --- internals: inputs already checked and on the device ---

    def _forward(self, X):
        return forward(X, self.W, self.b, self.activation.g, self.objective.g_out)

    def _backward(self, a, z, T, scale):
        """Gradients of ``scale * sum_n E^n`` (no decay): backprop is linear in ``delta^L``, so scale it."""
        delta_L = self.objective.delta(a[-1], z[-1], T) * scale
        delta = backprop_deltas(delta_L, a, z, self.W, self.activation.g_prime)
        return weight_gradients(delta, z)

    def _sgd_step(self, X, T, eta):
        """``W^l <- (1 - eta lambda) W^l - eta dE/dW^l`` on one batch; returns its ``a^L`` for the epoch's metrics.

        ``eta / N`` is folded into ``delta^L``, so the gradients come out as the steps ``eta dE/dW^l``.
        """
        a, z = self._forward(X)
        eta_dW, eta_db = self._backward(a, z, T, eta / X.shape[0])
        shrink = 1.0 - eta * self.weight_decay
        for l in range(1, self.n_layers + 1):
            if self.weight_decay:
                self.W[l] *= shrink
            self.W[l] -= eta_dW[l]  # in place: the same arrays, no copy of the weights per step
            self.b[l] -= eta_db[l]
        return a[-1]

    def _epoch(self, X, T, eta, batch_size):
        """One pass of SGD over a seeded shuffle of ``(X, T)``; returns the epoch's mean error and accuracy.

        Like most frameworks, the epoch's training error averages each batch's error at the weights that
        batch saw; the batches' ``a^L`` are kept and the errors summed once, after the pass.
        """
        xp, N = self.backend.xp, X.shape[0]
        order = self.backend.asarray(self._shuffle_rng.permutation(N), dtype=xp.int64)
        X, T = xp.take(X, order, axis=0), xp.take(T, order, axis=0)
        a_L = xp.empty_like(T)
        for start in range(0, N, batch_size):
            stop = start + batch_size
            a_L[start:stop] = self._sgd_step(X[start:stop], T[start:stop], eta)
        return self._metrics(a_L, T)

    def _metrics(self, a_L, T):
        """Mean error ``(1/N) sum_n E^n`` (no penalty) and accuracy, from the output pre-activations."""
        xp, output = self.backend.xp, self.objective.output
        error = float(xp.mean(self.objective.error(a_L, T)))
        if output == "identity":
            return error, math.nan
        if output == "softmax":  # the largest y_k has the largest a_k
            correct = xp.sum(xp.argmax(a_L, axis=1) == xp.argmax(T, axis=1))
        else:  # sigmoid: y > 1/2 exactly where a > 0
            correct = xp.sum((a_L > 0) == (T > 0.5))
        return error, float(correct) / _n_labels(T, output)

    def _evaluate(self, X, T):
        X, T = self._as_batch(X, T)
        return self._metrics(self._forward(X)[0][-1], T)

    def _decay(self) -> float:
        return weight_decay(self.W[1:], self.weight_decay) if self.weight_decay else 0.0

    def _copy_weights(self):
        xp = self.backend.xp
        return ([None] + [xp.asarray(W_l, copy=True) for W_l in self.W[1:]],
                [None] + [xp.asarray(b_l, copy=True) for b_l in self.b[1:]])

    def _as_X(self, X, name="X"):
        return self.backend.asarray(check_X(X, self.sizes[0], name))

    def _as_batch(self, X, T, names=("X", "T")):
        X = check_X(X, self.sizes[0], names[0])
        T = check_targets(T, self.sizes[-1], self.objective.output, names[1])
        check_same_length(X, T, names)
        return self.backend.asarray(X), self.backend.asarray(T)


class TrainingDiverged(ArithmeticError):
    """Raised by :meth:`MLP.fit` when a loss stops being finite (the learning rate is too large)."""


def _n_labels(T, output) -> int:
    return T.shape[0] if output == "softmax" else T.shape[0] * T.shape[1]


def _check_fit_options(epochs, eta, batch_size, patience, val):
    """The checked ``(epochs, batch_size, patience)``; ValueError naming the first bad option."""
    check_positive("eta (the learning rate)", eta)
    epochs, batch_size = check_count("epochs", epochs), check_count("batch_size", batch_size)
    if patience is not None:
        patience = check_count("patience", patience)
        if val is None:
            raise ValueError("patience (early stopping) needs validation data: pass X_val and T_val")
    return epochs, batch_size, patience


def _check_finite(what: str, value: float, epoch: int, eta) -> None:
    if not math.isfinite(value):
        raise TrainingDiverged(
            f"training diverged in epoch {epoch + 1}: the {what} is {value} "
            f"(the learning rate eta = {eta:g} is too large for this network and data; try a smaller one)")
