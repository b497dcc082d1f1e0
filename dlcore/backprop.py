"""Forward pass and backpropagation, written once, in the lecture's notation.

For layers ``l = 1 .. L`` with weights ``W^l`` of shape ``(M_l, M_(l-1))``
(row ``j`` holds ``w_ji``) and biases ``b^l`` of shape ``(M_l,)``, on a batch
whose rows are samples::

    a^l = z^(l-1) W^l.T + b^l        a_j = sum_i w_ji z_i + b_j
    z^l = g(a^l),  z^0 = X,  y = z^L = g_out(a^L)

    delta^(l-1) = g'(a^(l-1)) * (delta^l W^l)      l = L, ..., 2
    dE/dW^l = delta^l.T z^(l-1),   dE/db^l = sum_n delta^l_n

Python lists start at 0, so the lists hold layer ``l`` at index ``l - 1``:
``parameters[l-1] = (W^l, b^l)``, ``a[l-1] = a^l``, ``deltas[l-1] = delta^l``;
``z`` includes the input, so ``z[l] = z^l`` and ``z[0] = X``.
"""

from __future__ import annotations

from .backend import get_namespace


def forward(X, parameters, g, g_out):
    """Forward pass ``a^l = z^(l-1) W^l.T + b^l``, ``z^l = g(a^l)`` (``g_out`` at l = L).

    Returns ``(a, z)``: ``a[l-1]`` of shape ``(N, M_l)`` for l = 1..L, ``z[l]`` for l = 0..L.
    """
    a, z = [], [X]
    last = len(parameters) - 1
    for l, (W, b) in enumerate(parameters):
        a_l = z[-1] @ W.T
        a_l += b  # in place: a^l is a fresh array, and this saves one pass over memory
        a.append(a_l)
        z.append(g_out(a_l) if l == last else g(a_l))
    return a, z


def backprop_deltas(delta_L, a, z, parameters, g_prime):
    """The recursion ``delta^(l-1) = g'(a^(l-1)) * (delta^l W^l)`` from ``delta^L`` down to ``delta^1``.

    Returns ``deltas`` with ``deltas[l-1] = delta^l`` of shape ``(N, M_l)``; ``z`` is passed so that
    ``g_prime(a, z)`` can reuse ``z^(l-1) = g(a^(l-1))``.
    """
    L = len(parameters)
    deltas = [None] * L
    deltas[L - 1] = delta_L
    for l in range(L, 1, -1):
        W_l = parameters[l - 1][0]
        delta = deltas[l - 1] @ W_l  # sum_k delta_k^l w_kj^l
        delta *= g_prime(a[l - 2], z[l - 1])
        deltas[l - 2] = delta
    return deltas


def weight_gradients(deltas, z):
    """``dW^l = delta^l.T z^(l-1)`` (shape ``(M_l, M_(l-1))``) and ``db^l = sum_n delta^l``: list of ``(dW, db)``."""
    xp = get_namespace(deltas[0])
    return [(delta.T @ z[l - 1], xp.sum(delta, axis=0)) for l, delta in enumerate(deltas, start=1)]
