"""dlcore: the teaching package of *Deep Neural Networks — Theory and Practice*.

Notation (Bishop's, as in the lecture): ``a`` is a pre-activation, ``z = g(a)`` a unit's output,
``y = z^L`` the network output, ``t`` the target, ``W^l`` of shape ``(M_l, M_(l-1))`` the weights
of layer ``l``, ``delta^l = dE/da^l`` and ``eta`` the learning rate. Batches are rows.

The names below are imported on first use, so that ``import dlcore.data`` does not load the
models (and a lab can forbid ``dlcore.backprop`` while still offering ``dlcore.data``).
"""

import importlib

_EXPORTS = {
    "MLP": "mlp",
    "TrainingDiverged": "mlp",
    "LogisticRegression": "logistic",
    "Perceptron": "perceptron",
    "ConvergenceWarning": "perceptron",
    "check_gradients": "gradcheck",
    "numerical_gradient": "gradcheck",
    "relative_error": "gradcheck",
}

__all__ = list(_EXPORTS)
__version__ = "0.2.0"


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'dlcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
