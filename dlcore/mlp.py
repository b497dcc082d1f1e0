"""The multi-layer perceptron, trained by stochastic gradient descent with backpropagation.

``MLP(sizes=[d, M_1, ..., K])`` holds ``parameters = [(W^1, b^1), ..., (W^L, b^L)]``
with ``W^l`` of shape ``(M_l, M_(l-1))``. The numerics live in
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
from .checks import check_positive, check_same_length, check_sizes, check_targets, check_X
from .initialisation import init_parameters
from .losses import get_objective


class MLP:
    """Multi-layer perceptron ``y = g_out(W^L g(... g(W^1 x + b^1) ...) + b^L)``.

    ``sizes = [d, M_1, ..., K]``; ``activation`` (sigmoid, tanh, relu) for the hidden layers;
    ``output`` (softmax, sigmoid, identity) with ``loss`` (cross_entropy, mse);
    ``weight_decay`` is the lambda of ``(lambda/2) sum_l ||W^l||^2``; ``init`` is 'xavier', 'he' or a
    standard deviation; ``device`` is 'cpu' (numpy), 'torch', 'cuda' or 'auto'.
    The weights are in ``parameters``: the list ``[(W^1, b^1), ..., (W^L, b^L)]``.
    """

    def __init__(self, sizes, activation="tanh", output="softmax", loss="cross_entropy",
                 weight_decay=0.0, init="xavier", seed=0, device="cpu", dtype="float64"):
        self.sizes = check_sizes(sizes)
        self.activation = get_activation(activation)
        self.objective = get_objective(output, loss)
        if not (isinstance(weight_decay, (int, float)) and math.isfinite(weight_decay) and weight_decay >= 0):
            raise ValueError(f"weight_decay must be a number >= 0; got {weight_decay!r}")
        self.weight_decay = float(weight_decay)
        self.backend = resolve_backend(device, dtype)
        self.parameters = [(self.backend.from_numpy(W), self.backend.from_numpy(b))
                           for W, b in init_parameters(self.sizes, init, seed)]
        self._shuffle_rng = np.random.default_rng([seed, 1])

    @property
    def n_classes(self) -> int:
        return self.sizes[-1]

    def forward(self, X):
        """Forward pass (eq. ``a^l = z^(l-1) W^l.T + b^l``, ``z^l = g(a^l)``): lists ``a`` (l=1..L) and ``z`` (l=0..L)."""
        return self._forward(self._as_X(X))

    def loss(self, X, T) -> float:
        """``(1/N) sum_n E^n + (lambda/2) sum_l ||W^l||^2`` on the batch ``X`` ``(N, d)``, targets ``T``."""
        return self._evaluate(X, T)[0]

    def gradients(self, X, T):
        """Gradient of :meth:`loss` by backpropagation: list of ``(dW^l, db^l)`` matching ``parameters``."""
        return self._gradients(*self._as_batch(X, T))[0]

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
        """Minibatch SGD, ``W^l <- W^l - eta dE/dW^l``, for ``epochs`` passes over shuffled data.

        With ``X_val, T_val`` and ``patience``, stops once the validation loss has not improved for
        ``patience`` epochs ("error in validation reaching saturation") and restores the best weights.
        Returns the history: per-epoch ``train_loss``, ``train_accuracy`` (averaged over the epoch's
        batches), ``val_loss``, ``val_accuracy``, with ``best_epoch`` and ``stopped_early``.
        """
        X, T = self._as_batch(X, T)
        if (X_val is None) != (T_val is None):
            raise ValueError("X_val and T_val must be given together (or neither)")
        val = None if X_val is None else self._as_batch(X_val, T_val, names=("X_val", "T_val"))
        _check_fit_options(epochs, eta, batch_size, patience, val)
        history = {"train_loss": [], "train_accuracy": [], "val_loss": [], "val_accuracy": [],
                   "best_epoch": None, "stopped_early": False}
        best = (math.inf, None)
        bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress, leave=False)
        for epoch in bar:
            train_loss, train_accuracy = self._epoch(X, T, eta, batch_size)
            history["train_loss"].append(train_loss)
            history["train_accuracy"].append(train_accuracy)
            postfix = {"loss": f"{train_loss:.4f}"}
            if val is not None:
                val_loss, val_accuracy = self._metrics(self._forward(val[0])[0][-1], val[1])
                history["val_loss"].append(val_loss)
                history["val_accuracy"].append(val_accuracy)
                postfix["val_loss"] = f"{val_loss:.4f}"
                if val_loss < best[0]:
                    best = (val_loss, self._copy_parameters())
                    history["best_epoch"] = epoch
                elif patience is not None and epoch - history["best_epoch"] >= patience:
                    history["stopped_early"] = True
                    self.parameters = best[1]
                    break
            bar.set_postfix(postfix, refresh=False)
        bar.close()
        return history

    # --- internals: inputs already checked and on the device ---

    def _forward(self, X):
        return forward(X, self.parameters, self.activation.g, self.objective.g_out)

    def _backward(self, a, z, T, scale):
        """Gradients of ``scale * sum_n E^n`` (no decay): backprop is linear in ``delta^L``, so scale it."""
        delta_L = self.objective.delta(a[-1], z[-1], T) * scale
        deltas = backprop_deltas(delta_L, a, z, self.parameters, self.activation.g_prime)
        return weight_gradients(deltas, z)

    def _gradients(self, X, T):
        a, z = self._forward(X)
        grads = self._backward(a, z, T, 1.0 / X.shape[0])
        if self.weight_decay:
            grads = [(dW + self.weight_decay * W, db) for (dW, db), (W, _) in zip(grads, self.parameters)]
        return grads, a, z

    def _sgd_step(self, X, T, eta):
        """``W^l <- W^l - eta (dE/dW^l + lambda W^l)`` on one batch; returns its ``a^L`` for the epoch's metrics."""
        a, z = self._forward(X)
        steps = self._backward(a, z, T, eta / X.shape[0])  # eta times the gradient of the mean error
        shrink = 1.0 - eta * self.weight_decay
        for (W, b), (eta_dW, eta_db) in zip(self.parameters, steps):
            if self.weight_decay:
                W *= shrink
            W -= eta_dW
            b -= eta_db
        return a[-1]

    def _epoch(self, X, T, eta, batch_size):
        """One pass of SGD over a seeded shuffle of ``(X, T)``; returns the epoch's mean loss and accuracy.

        Like most frameworks, the epoch's training loss averages each batch's loss at the weights that
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
        """Mean loss ``(1/N) sum_n E^n + lambda R(w)`` and accuracy, from the output pre-activations."""
        xp, output = self.backend.xp, self.objective.output
        loss = float(xp.mean(self.objective.error(a_L, T))) + self._decay()
        if output == "identity":
            return loss, math.nan
        if output == "softmax":  # the largest y_k has the largest a_k
            correct = xp.sum(xp.argmax(a_L, axis=1) == xp.argmax(T, axis=1))
        else:  # sigmoid: y > 1/2 exactly where a > 0
            correct = xp.sum((a_L > 0) == (T > 0.5))
        return loss, float(correct) / _n_labels(T, output)

    def _evaluate(self, X, T):
        X, T = self._as_batch(X, T)
        return self._metrics(self._forward(X)[0][-1], T)

    def _decay(self) -> float:
        if not self.weight_decay:
            return 0.0
        xp = self.backend.xp
        return 0.5 * self.weight_decay * sum(float(xp.sum(W * W)) for W, _ in self.parameters)

    def _copy_parameters(self):
        xp = self.backend.xp
        return [(xp.asarray(W, copy=True), xp.asarray(b, copy=True)) for W, b in self.parameters]

    def _as_X(self, X, name="X"):
        return self.backend.asarray(check_X(X, self.sizes[0], name))

    def _as_batch(self, X, T, names=("X", "T")):
        X = check_X(X, self.sizes[0], names[0])
        T = check_targets(T, self.sizes[-1], self.objective.output, names[1])
        check_same_length(X, T, names)
        return self.backend.asarray(X), self.backend.asarray(T)


def _n_labels(T, output) -> int:
    return T.shape[0] if output == "softmax" else T.shape[0] * T.shape[1]


def _check_fit_options(epochs, eta, batch_size, patience, val) -> None:
    check_positive("eta (the learning rate)", eta)
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if patience is not None:
        if not isinstance(patience, (int, np.integer)) or patience < 1:
            raise ValueError(f"patience must be a positive integer or None; got {patience!r}")
        if val is None:
            raise ValueError("patience (early stopping) needs validation data: pass X_val and T_val")
