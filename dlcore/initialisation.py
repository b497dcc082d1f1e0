"""Random initial weights: naive, Xavier (Glorot & Bengio 2010) and He (He et al. 2015).

Weights are drawn by numpy from one seeded generator, in float64, and only
then cast and moved to a device, so a seed gives the same start everywhere.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import check_positive

INITS = ("xavier", "he")


def init_std(init, fan_in: int, fan_out: int) -> float:
    """Standard deviation of ``w_ji``: Xavier ``sqrt(2 / (fan_in + fan_out))``, He ``sqrt(2 / fan_in)``, or a number."""
    if init == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if init == "he":
        return math.sqrt(2.0 / fan_in)
    if isinstance(init, str):
        raise ValueError(f"unknown init {init!r}; expected 'xavier', 'he' or a positive standard deviation (naive init)")
    check_positive("init (the standard deviation of a naive init)", init)
    return float(init)


def init_parameters(sizes, init="xavier", seed: int = 0):
    """Lists ``(W, b)`` in numpy float64, indexed by layer: ``W[l] ~ N(0, std^2)`` ``(M_l, M_(l-1))``, ``b[l] = 0``.

    ``W[0] = b[0] = None``: layer 0 is the input.
    """
    rng = np.random.default_rng(seed)
    W, b = [None], [None]
    for l in range(1, len(sizes)):
        W.append(rng.normal(0.0, init_std(init, sizes[l - 1], sizes[l]), size=(sizes[l], sizes[l - 1])))
        b.append(np.zeros(sizes[l]))
    return W, b
