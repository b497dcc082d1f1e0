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
    """Weights ``W^l`` ``(M_l, M_(l-1))`` and biases ``b^l`` ``(M_l,)`` of a random network, as two lists."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 1.0 / np.sqrt(m_in), size=(m_out, m_in)) for m_in, m_out in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0.0, 0.5, size=m_out) for m_out in sizes[1:]]
    return weights, biases


def forward_reference(X, weights, biases, g):
    """``a^l = z^(l-1) W^l.T + b^l``, ``z^l = g(a^l)`` for hidden layers, ``z^L = a^L``: lists ``(a, z)``."""
    a, z = [], [np.asarray(X, dtype=float)]
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        a.append(z[-1] @ W.T + b)
        z.append(a[-1] if l == len(weights) else g(a[-1]))
    return a, z


def deltas_by_autograd(X, weights, biases, activation: str, delta_L):
    """``delta^l = dE/da^l`` for every layer, by torch autograd, for an error whose ``dE/da^L = delta_L``.

    The error is ``E = sum(delta_L * a^L)``, so its gradient with respect to ``a^L`` is ``delta_L``
    and autograd carries it back through the network: an oracle for the delta recursion.
    """
    import torch

    g = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    z = torch.tensor(np.asarray(X, dtype=float), requires_grad=True)  # so that every a^l is in the graph
    a = []
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        a_l = z @ torch.as_tensor(W).T + torch.as_tensor(b)
        a_l.retain_grad()
        a.append(a_l)
        z = a_l if l == len(weights) else g(a_l)
    (a[-1] * torch.as_tensor(np.asarray(delta_L, dtype=float))).sum().backward()
    return [a_l.grad.numpy() for a_l in a]
