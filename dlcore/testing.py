"""Checks for the labs' tests, with messages that teach: what was expected, what came back, where.

Each ``expect_*`` function raises ``AssertionError`` with a message a student can act on (expected
against received shape, which entry differs and by how much) and returns nothing when the check holds.
The oracles compute reference values independently of any student code: by torch autograd, or by
plain numpy written out from the equations.
"""

from __future__ import annotations

import numpy as np


def expect_type(name: str, got, expected_type) -> None:
    """``got`` is an instance of ``expected_type``."""
    if not isinstance(got, expected_type):
        expected = getattr(expected_type, "__name__", str(expected_type))
        raise AssertionError(f"{name} should be a {expected}; got {type(got).__name__}")


def expect_length(name: str, got, expected: int, what: str = "entries") -> None:
    """``got`` is a list or tuple of ``expected`` entries."""
    expect_type(name, got, (list, tuple))
    if len(got) != expected:
        raise AssertionError(f"{name} should have {expected} {what}; got {len(got)}")


def expect_shape(name: str, got, expected: tuple) -> None:
    """``got`` is an array of shape ``expected``."""
    shape = getattr(got, "shape", None)
    if shape is None:
        raise AssertionError(f"{name} should be an array of shape {expected}; got {type(got).__name__}")
    if tuple(shape) != tuple(expected):
        raise AssertionError(f"{name} should have shape {tuple(expected)}; got {tuple(shape)}")


def expect_close(name: str, got, expected, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """``got`` equals ``expected`` to ``rtol``/``atol``; the message names the worst entry."""
    expected = np.asarray(expected, dtype=float)
    expect_shape(name, got, expected.shape)
    got = np.asarray(got, dtype=float)
    if not np.all(np.isfinite(got)):
        raise AssertionError(f"{name} contains NaN or inf")
    error = np.abs(got - expected)
    bad = error > atol + rtol * np.abs(expected)
    if bad.any():
        worst = np.unravel_index(np.argmax(error - rtol * np.abs(expected)), error.shape)
        scale = max(float(np.max(np.abs(expected))), 1e-300)
        raise AssertionError(
            f"{name} is wrong in {int(bad.sum())} of {bad.size} entries; the worst is at index "
            f"{tuple(int(i) for i in worst)}: expected {expected[worst]:.6g}, got {got[worst]:.6g} "
            f"(largest error {float(error.max()):.3g}, relative to the largest entry {float(error.max()) / scale:.3g})")


def random_network(sizes, seed: int = 0):
    """Weights ``W[l]`` ``(M_l, M_(l-1))`` and biases ``b[l]`` ``(M_l,)`` of a random network, two lists
    indexed by layer ``l = 1..L`` (``W[0] = b[0] = None``)."""
    rng = np.random.default_rng(seed)
    W, b = [None], [None]
    for l in range(1, len(sizes)):
        W.append(rng.normal(0.0, 1.0 / np.sqrt(sizes[l - 1]), size=(sizes[l], sizes[l - 1])))
        b.append(rng.normal(0.0, 0.5, size=sizes[l]))
    return W, b


def forward_reference(X, W, b, g):
    """``a^l = z^(l-1) W^l.T + b^l``, ``z^l = g(a^l)`` for hidden layers, ``z^L = a^L``: lists ``(a, z)``
    indexed by layer, ``a[0] = None`` and ``z[0] = X``; written out independently of :mod:`dlcore.backprop`."""
    L = len(W) - 1
    a, z = [None], [np.asarray(X, dtype=float)]
    for l in range(1, L + 1):
        a.append(z[l - 1] @ W[l].T + b[l])
        z.append(a[l] if l == L else g(a[l]))
    return a, z


def deltas_by_autograd(X, W, b, activation: str, delta_L):
    """``delta^l = dE/da^l`` for every layer by torch autograd, for an error whose ``dE/da^L = delta_L``.

    The error is ``E = sum(delta_L * a^L)``, so its gradient with respect to ``a^L`` is ``delta_L``
    and autograd carries it back through the network: an oracle for the delta recursion. Returns a
    list indexed by layer, ``delta[0] = None``.
    """
    import torch

    g = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    L = len(W) - 1
    z = torch.tensor(np.asarray(X, dtype=float), requires_grad=True)  # so that every a^l is in the graph
    a = [None]
    for l in range(1, L + 1):
        a.append(z @ torch.as_tensor(W[l]).T + torch.as_tensor(b[l]))
        a[l].retain_grad()
        z = a[l] if l == L else g(a[l])
    (a[L] * torch.as_tensor(np.asarray(delta_L, dtype=float))).sum().backward()
    return [None] + [a[l].grad.numpy() for l in range(1, L + 1)]
