"""Forward pass and backpropagation, written once, in the lecture's notation.

Every list is indexed by the lecture's layer number ``l``: ``W[l]`` is ``W^l`` of shape
``(M_l, M_(l-1))`` (row ``j`` holds ``w_ji``), ``b[l]`` is ``b^l`` of shape ``(M_l,)``, and
``a[l]``, ``z[l]``, ``delta[l]`` are ``a^l``, ``z^l``, ``delta^l`` of shape ``(N, M_l)``, one sample
per row, for ``l = 1, ..., L``. The input is ``z[0] = X``; ``W[0]``, ``b[0]``, ``a[0]`` and
``delta[0]`` do not exist and hold ``None``::

    a^l = z^(l-1) W^l.T + b^l        a_j = sum_i w_ji z_i + b_j
    z^l = g(a^l),  z^0 = X,  y = z^L = g_out(a^L)

    delta^(l-1) = g'(a^(l-1)) * (delta^l W^l)      l = L, ..., 2
    dE/dW^l = delta^l.T z^(l-1),   dE/db^l = sum_n delta^l_n
"""

from __future__ import annotations

from .backend import get_namespace


def n_layers(W) -> int:
    """``L``, the number of layers of the weight list ``W = [None, W^1, ..., W^L]``."""
    return len(W) - 1


def forward(X, W, b, g, g_out):
    """Forward pass ``a^l = z^(l-1) W^l.T + b^l``, ``z^l = g(a^l)``.

    ``z^0 = X``, and ``g_out`` replaces ``g`` at ``l = L``. Shapes: ``X``
    ``(N, M_0)``, ``W[l]`` ``(M_l, M_(l-1))``, ``b[l]`` ``(M_l,)``. Returns
    ``(a, z)``, ``a[l]`` and ``z[l]`` of shape ``(N, M_l)``; ``a[0] = None``.
    """
    L = n_layers(W)
    a, z = [None] * (L + 1), [X] + [None] * L
    for l in range(1, L + 1):
        a[l] = z[l - 1] @ W[l].T + b[l]
        z[l] = g_out(a[l]) if l == L else g(a[l])
    return a, z


def backprop_deltas(delta_L, a, z, W, g_prime):
    """The recursion ``delta^(l-1) = g'(a^(l-1)) * (delta^l W^l)``, l = L..2.

    ``delta_L`` ``(N, M_L)``; ``a``, ``z``, ``W`` as :func:`forward` uses
    them; ``g_prime(a, z)`` is ``g'(a)``, given ``z = g(a)`` too so that tanh
    and sigmoid need not evaluate ``g`` again (``tanh'(a) = 1 - z^2``).
    Returns ``delta`` with ``delta[l]`` of shape ``(N, M_l)``;
    ``delta[0] = None``.
    """
    L = n_layers(W)
    delta = [None] * (L + 1)
    delta[L] = delta_L
    for l in range(L, 1, -1):
        delta[l - 1] = g_prime(a[l - 1], z[l - 1]) * (delta[l] @ W[l])
    return delta


def weight_gradients(delta, z):
    """``dE/dW^l = delta^l.T z^(l-1)`` and ``dE/db^l = sum_n delta^l_n``.

    Shapes ``(M_l, M_(l-1))`` and ``(M_l,)``. Returns ``(dW, db)``, lists
    indexed like ``W`` and ``b`` (``dW[0] = db[0] = None``).
    """
    xp = get_namespace(z[0])
    L = len(delta) - 1
    dW = [None] + [delta[l].T @ z[l - 1] for l in range(1, L + 1)]
    db = [None] + [xp.sum(delta[l], axis=0) for l in range(1, L + 1)]
    return dW, db
