"""Random initial weights: naive, Xavier (Glorot & Bengio 2010) and He (He et al. 2015).

Weights are drawn by numpy from one seeded generator, in float64, and only
then cast and moved to a device, so a seed gives the same start everywhere.
"""

from __future__ import annotations

import math

import numpy as np

INITS = ("xavier", "he")


def init_std(init, fan_in: int, fan_out: int) -> float:
    """Standard deviation of ``w_ji``: Xavier ``sqrt(2 / (fan_in + fan_out))``, He ``sqrt(2 / fan_in)``, or a number."""
    if init == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if init == "he":
        return math.sqrt(2.0 / fan_in)
    if isinstance(init, (int, float)) and not isinstance(init, bool) and init > 0:
        return float(init)
    raise ValueError(f"unknown init {init!r}; expected 'xavier', 'he' or a positive standard deviation (naive init)")


def init_parameters(sizes, init="xavier", seed: int = 0):
    """``[(W^1, b^1), ...]`` in numpy float64: ``W^l ~ N(0, std^2)`` of shape ``(M_l, M_(l-1))``, ``b^l = 0``."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0.0, init_std(init, fan_in, fan_out), size=(fan_out, fan_in)), np.zeros(fan_out))
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:])
    ]
