"""dlcore: the teaching package of *Deep Neural Networks — Theory and Practice*.

Notation (Bishop's, as in the lecture): ``a`` is a pre-activation, ``z = g(a)`` a unit's output,
``y = z^L`` the network output, ``t`` the target, ``W^l`` of shape ``(M_l, M_(l-1))`` the weights
of layer ``l``, ``delta^l = dE/da^l`` and ``eta`` the learning rate. Batches are rows.
"""

from .gradcheck import check_gradients, numerical_gradient, relative_error
from .logistic import LogisticRegression
from .mlp import MLP
from .perceptron import ConvergenceWarning, Perceptron

__all__ = [
    "MLP",
    "LogisticRegression",
    "Perceptron",
    "ConvergenceWarning",
    "check_gradients",
    "numerical_gradient",
    "relative_error",
]
__version__ = "0.1.0"
