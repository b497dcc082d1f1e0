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


# The usual bugs of the delta recursion delta^(l-1) = g'(a^(l-1)) * (delta^l W^l), each as what it computes
# and as a message: what is wrong, then how to put it right. A bug of the factor g' and a bug of the weights
# can come together.
_FACTOR_BUGS = {
    "missing": ("the factor g'(a^(l-1)) is missing",
                "Multiply delta^l W^l elementwise by g'(a^(l-1)), the derivative of layer l - 1's non-linearity "
                "at its pre-activation: g_prime(a[l - 1], z[l - 1])."),
    "of z": ("g' is taken of z^(l-1) instead of a^(l-1)",
             "g' is the derivative at the pre-activation a^(l-1): pass a[l - 1] as g_prime's first argument "
             "(z[l - 1] = g(a[l - 1]) is only its second, a shortcut for the derivative)."),
}
_WEIGHT_BUGS = {
    "previous layer": ("delta^l is multiplied by W^(l-1) instead of W^l (the weights of the layer below)",
                       "delta^l belongs to layer l, and W^l, the weights that carried z^(l-1) forward into a^l, is "
                       "what carries delta^l back to layer l - 1: use W[l] in the step from delta[l] to "
                       "delta[l - 1], not W[l - 1] (an index off by one). On this network the shapes happen to "
                       "fit, so numpy raised no error."),
    "transposed": ("W^l is transposed (delta^l (W^l)^T instead of delta^l W^l)",
                   "The backward step multiplies by W^l itself: W[l] has shape (M_l, M_(l-1)), so delta^l, of "
                   "shape (N, M_l), times W[l] is already (N, M_(l-1)). The transpose belongs to the forward "
                   "pass, a^l = z^(l-1) (W^l)^T, not to the backward one. On this network layers 1 to L have equal "
                   "widths, so both products have the same shape and numpy raised no error."),
}


def delta_recursion_bugs(delta_L, a, z, W, g_prime) -> dict[str, list]:
    """The deltas that the usual bugs of the delta recursion give: ``{message: delta}``, ``delta`` indexed by layer.

    Each bug (a missing or misplaced factor g', the weights of the layer below, a transposed ``W[l]``, and
    each pair of a factor bug and a weights bug) is run as a whole recursion from ``delta_L`` down, as a
    student's function with that bug would run it. ``a``, ``z`` come from the forward pass, ``W`` is
    indexed by layer and ``g_prime(a, z=None)`` is the hidden layers' derivative. A bug whose shapes do
    not fit this network is left out (there numpy raises in the student's function too), and so is one
    that gives the same deltas as the right recursion or as a bug with fewer parts (``g'`` of ``z`` is
    ``g'`` of ``a`` for ReLU). The message names what is wrong and says how to put it right.
    """
    L = len(W) - 1
    factors = {None: lambda l: g_prime(a[l - 1], z[l - 1]), "missing": lambda l: 1.0,
               "of z": lambda l: g_prime(z[l - 1])}
    weights = {None: lambda l: W[l], "previous layer": lambda l: W[l - 1], "transposed": lambda l: W[l].T}
    variants = sorted(((f, w) for f in factors for w in weights),
                      key=lambda fw: (fw[0] is not None) + (fw[1] is not None))
    seen, bugs = [], {}
    for factor, weight in variants:
        delta = [None] * (L + 1)
        delta[L] = np.asarray(delta_L, dtype=float)
        try:
            with np.errstate(all="ignore"):
                for l in range(L, 1, -1):
                    delta[l - 1] = factors[factor](l) * (delta[l] @ weights[weight](l))
        except (ValueError, TypeError, IndexError):
            continue  # the shapes do not fit: this bug raises on this network
        if any(all(d.shape == e.shape and np.allclose(d, e, rtol=1e-9, atol=1e-12) for d, e in zip(delta[1:], other[1:]))
               for other in seen):
            continue
        seen.append(delta)
        wrong = ([_FACTOR_BUGS[factor]] if factor else []) + ([_WEIGHT_BUGS[weight]] if weight else [])
        if wrong:
            bugs[f"Your deltas are what the recursion gives when {' and '.join(what for what, _ in wrong)}. "
                 + " ".join(fix for _, fix in wrong)] = delta
    return bugs


def name_delta_bugs(got, l: int, delta_L, a, z, W, g_prime) -> str:
    """The messages of :func:`delta_recursion_bugs` whose ``delta[l]`` equals ``got``, each on a line of its
    own after a newline, or ``""`` when ``got`` is no usual bug's: to add to a failed check's message."""
    found = []
    for message, delta in delta_recursion_bugs(delta_L, a, z, W, g_prime).items():
        try:
            same = (np.shape(got) == np.shape(delta[l])
                    and bool(np.allclose(np.asarray(got, dtype=float), delta[l], rtol=1e-6, atol=1e-9)))
        except (ValueError, TypeError):
            same = False
        if same:
            found.append(message)
    return "".join(f"\n{message}" for message in found)
